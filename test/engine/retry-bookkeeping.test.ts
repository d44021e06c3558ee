/**
 * A retry with no delay can be claimed (by another task's completion, in the same commit) before
 * its previous attempt has finished its own bookkeeping. The new attempt must stay tracked: it is
 * heartbeated (so the sweeper does not take it back and run it again) and a cancel aborts it.
 */
import { describe, expect, it } from 'vitest';
import { task, workflow, type DefaultRunner } from '../../src/index.js';
import { createRunner, stopRunner } from '../helpers/backend.js';
import { waitFor } from '../helpers/wait.js';

const EXECUTIONS = 8;
const SIBLINGS = 4;

/**
 * A workflow whose root `flaky` fails its first attempt and retries at once, while sibling
 * roots complete around it; `second` runs as the retried attempt's body.
 */
function register(
  runner: DefaultRunner,
  name: string,
  second: (signal: AbortSignal, executionId: string) => Promise<void>,
  runs: Map<string, number[]>,
): void {
  const flaky = task(
    { id: 'flaky', retry: { attempts: 2, initialDelay: 0, jitter: false } },
    async (_ctx, handle) => {
      const seen = runs.get(handle.executionId) ?? [];
      seen.push(handle.attempt);
      runs.set(handle.executionId, seen);
      if (handle.attempt === 1) throw new Error('first attempt fails');
      await second(handle.signal, handle.executionId);
    },
  );
  const siblings = Array.from({ length: SIBLINGS }, (_, i) =>
    task({ id: `sibling_${i}` }, (ctx) => ctx.set(`sibling_${i}`, true)),
  );
  runner.register(workflow({ name, tasks: [flaky, ...siblings] }));
}

describe('a retry claimed before its previous attempt cleaned up', () => {
  it('is heartbeated: no attempt is swept and run again while its runner lives', async () => {
    const runner = await createRunner({
      maxConcurrentTasks: 16,
      heartbeatInterval: '50ms',
      staleClaimThreshold: '500ms',
      staleClaimSweepInterval: '100ms',
    });
    const runs = new Map<string, number[]>();
    // Longer than the stale threshold: an attempt nobody heartbeats is swept meanwhile.
    register(runner, 'retry_heartbeat', () => new Promise((r) => setTimeout(r, 1_200)), runs);
    const handles = await Promise.all(
      Array.from({ length: EXECUTIONS }, () => runner.executeAsync('retry_heartbeat')),
    );
    const results = await Promise.all(handles.map((h) => h.wait('60s')));
    expect(results.map((r) => r.status)).toEqual(results.map(() => 'Completed'));
    const reruns = [...runs.entries()].filter(([, attempts]) => attempts.join() !== '1,2');
    expect(reruns).toEqual([]);
    await stopRunner(runner);
  });

  it('is aborted when its execution is cancelled', async () => {
    const runner = await createRunner({ maxConcurrentTasks: 16 });
    const runs = new Map<string, number[]>();
    const started = new Set<string>();
    const aborted = new Set<string>();
    register(
      runner,
      'retry_cancel',
      (signal, executionId) =>
        new Promise((resolve) => {
          started.add(executionId);
          signal.addEventListener('abort', () => {
            aborted.add(executionId);
            resolve();
          });
          // Bounded, so a missed abort fails the test instead of hanging it.
          setTimeout(resolve, 10_000);
        }),
      runs,
    );
    const handles = await Promise.all(
      Array.from({ length: EXECUTIONS }, () => runner.executeAsync('retry_cancel')),
    );
    await waitFor(() => started.size === handles.length, 10_000, 'every retried attempt to start');
    await Promise.all(handles.map((h) => h.cancel()));
    await waitFor(() => aborted.size === handles.length, 5_000, 'every retried attempt to abort');
    expect([...aborted].sort()).toEqual(handles.map((h) => h.executionId).sort());
    await stopRunner(runner, { graceful: false });
  });
});
