/**
 * A client serves many waits at once: each listens for the client's close while it waits and
 * stops when it ends, so twenty concurrent waits are no leak and Node says nothing about them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Client, type WorkflowExecutionResult } from '../../src/index.js';
import { createRunner, freshDatabase, stopRunner } from '../helpers/backend.js';
import { gatedWorkload } from '../helpers/gated.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Counts the 'abort' listeners added to each signal until `restore()`, observing
 * `EventTarget#addEventListener` (it changes nothing); `most()` is the count of the busiest one.
 */
function countAbortListeners(): { most(): number; restore(): void } {
  const added = new Map<EventTarget, number>();
  const proto = EventTarget.prototype as unknown as {
    addEventListener: (...args: unknown[]) => unknown;
  };
  const original = proto.addEventListener;
  proto.addEventListener = function (this: EventTarget, ...args: unknown[]): unknown {
    if (args[0] === 'abort') added.set(this, (added.get(this) ?? 0) + 1);
    return original.apply(this, args);
  };
  return {
    most: () => Math.max(0, ...added.values()),
    restore: () => {
      proto.addEventListener = original;
    },
  };
}

const warnings: Error[] = [];
const onWarning = (warning: Error): void => void warnings.push(warning);

afterEach(() => {
  process.off('warning', onWarning);
  warnings.length = 0;
});

describe('a client waiting for many executions at once', () => {
  it('returns every result and warns of no listener leak', async () => {
    const { url } = freshDatabase();
    const runner = await createRunner({ maxConcurrentTasks: 20 }, url);
    const client = await Client.connect(url, { waitPollInterval: '50ms' });
    try {
      const held = await gatedWorkload(runner, 'held', 20);
      process.on('warning', onWarning);
      const listening = countAbortListeners();
      let waits: Promise<WorkflowExecutionResult>[];
      try {
        waits = held.handles.map((h) => client.waitForExecution(h.executionId, '30s'));
        // Every wait listens for the close on one signal before the bodies end.
        await waitFor(() => listening.most() >= 20, 10_000, 'every wait to listen');
      } finally {
        listening.restore();
      }
      held.release();
      const results = await Promise.all(waits);
      // Warnings are emitted on a later tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(results.map((r) => r.status)).toEqual(new Array(20).fill('Completed'));
      expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
    } finally {
      await client.close();
      await stopRunner(runner);
    }
  });
});
