/**
 * An attempt whose outcome cannot be stored (a thrown value that cannot be read or described, a
 * completion the database refuses) is recorded as that attempt's failure at once, saying what
 * could not be stored. Before, the runner kept the claim and the sweeper ran the body again.
 */
import { describe, expect, it } from 'vitest';
import { task, workflow } from '../../src/index.js';
import { createRunner, freshDatabase, stopRunner } from '../helpers/backend.js';
import { refuseCompletion, REFUSED } from '../helpers/faults.js';

/** Runs a one-task workflow whose body throws `thrown`; returns its task result. */
async function failWith(thrown: () => unknown) {
  const runner = await createRunner();
  let runs = 0;
  const body = task({ id: 'thrower', retry: { attempts: 1 } }, () => {
    runs += 1;
    throw thrown();
  });
  runner.register(workflow({ name: 'thrower', tasks: [body] }));
  // Bounded: before the fix the claim stayed held and the execution never ended.
  const result = await runner.execute('thrower', {}, { timeout: '10s' });
  await stopRunner(runner);
  expect(runs).toBe(1);
  expect(result.status).toBe('Failed');
  return result.taskResults[0]!;
}

describe('an attempt whose outcome cannot be stored', () => {
  it('fails when it threw a value whose toJSON and toString throw', async () => {
    const result = await failWith(() => ({
      toJSON() {
        throw new Error('no JSON');
      },
      toString() {
        throw new Error('no string');
      },
    }));
    expect(result.errorMessage).toBe('Non-error value thrown: [object Object]');
  });

  it('fails when it threw an Error whose message getter throws', async () => {
    const result = await failWith(() => {
      const error = new Error('hidden');
      Object.defineProperty(error, 'message', {
        get() {
          throw new Error('no message');
        },
      });
      return error;
    });
    expect(result.errorMessage).toMatch(
      /^An Error was thrown whose message or name cannot be read/,
    );
  });

  it('fails when it threw a revoked Proxy', async () => {
    const result = await failWith(() => {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return proxy;
    });
    expect(result.errorMessage).toMatch(/cannot be inspected/);
  });

  it('fails when the database refuses its completion, and its batch-mates complete', async () => {
    const db = freshDatabase();
    const runner = await createRunner({ maxConcurrentTasks: 8 }, db.url);
    let badRuns = 0;
    const bad = task({ id: 'bad', retry: { attempts: 3, initialDelay: 0 } }, (ctx) => {
      badRuns += 1;
      ctx.set('bad', true);
    });
    // Siblings finish in the same turn as `bad`, so their completions share its transaction.
    const siblings = Array.from({ length: 4 }, (_, i) =>
      task({ id: `ok_${i}` }, (ctx) => ctx.set(`ok_${i}`, true)),
    );
    runner.register(workflow({ name: 'refused', tasks: [bad, ...siblings] }));
    await runner.executeAsync('refused').then((h) => h.wait('10s')); // creates the tables
    const lift = await refuseCompletion(db, 'bad', 'permanent');
    badRuns = 0;
    try {
      const result = await runner.execute('refused', {}, { timeout: '10s' });
      expect(result.status).toBe('Failed');
      const byId = new Map(result.taskResults.map((t) => [t.taskId, t]));
      expect(byId.get('bad')!.status).toBe('Failed');
      const message = byId.get('bad')!.errorMessage!;
      expect(message).toMatch(/^Task 'bad' attempt 1: its output context could not be stored \(/);
      expect(message).toContain(REFUSED);
      expect(message).toMatch(/\)\. The attempt is recorded as failed, without a retry\.$/);
      for (let i = 0; i < 4; i += 1) expect(byId.get(`ok_${i}`)!.status).toBe('Completed');
      expect(badRuns).toBe(1);
    } finally {
      await lift();
      await stopRunner(runner);
    }
  });
});
