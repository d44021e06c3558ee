/**
 * Durations longer than Node's 2^31−1 ms timer limit (~24.8 days) are accepted by validation and
 * must mean what they say: a plain timer of `'30d'` fires after 1 ms, which made a task with
 * `timeout: '30d'` fail at once, a 30-day wait time out at once, and 30-day intervals spin.
 */
import { describe, expect, it } from 'vitest';
import { task, workflow, type DefaultRunner } from '../../src/index.js';
import { createRunner, stopRunner } from '../helpers/backend.js';

/** Registers a one-task workflow whose body takes `ms` and may set its own timeout. */
function registerSlow(runner: DefaultRunner, ms: number, timeout?: string): void {
  const slow = task({ id: 'slow', timeout, retry: { attempts: 1 } }, async (ctx) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    ctx.set('done', true);
  });
  runner.register(workflow({ name: 'slow', tasks: [slow] }));
}

/** The count of one outcome of `cloacina_claim_attempts_total` in the runner's metrics. */
async function claimAttempts(runner: DefaultRunner, outcome: string): Promise<number> {
  const text = await runner.metrics();
  const line = text
    .split('\n')
    .find(
      (l) => l.startsWith('cloacina_claim_attempts_total{') && l.includes(`outcome="${outcome}"`),
    );
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

describe("durations of '30d'", () => {
  it("a task with timeout '30d' completes instead of timing out at once", async () => {
    const runner = await createRunner();
    registerSlow(runner, 30, '30d');
    const result = await runner.execute('slow');
    expect(result.status).toBe('Completed');
    expect(result.taskResults[0]!.errorMessage).toBeUndefined();
    await stopRunner(runner);
  });

  it("execute(..., { timeout: '30d' }) waits for the end", async () => {
    const runner = await createRunner();
    registerSlow(runner, 30);
    const result = await runner.execute('slow', {}, { timeout: '30d' });
    expect(result.status).toBe('Completed');
    await stopRunner(runner);
  });

  it("workflowTimeout '30d' bounds execute() by 30 days, not 1 ms", async () => {
    const runner = await createRunner({ workflowTimeout: '30d' });
    registerSlow(runner, 30);
    const handle = await runner.executeAsync('slow');
    expect((await handle.wait()).status).toBe('Completed');
    expect((await runner.execute('slow')).status).toBe('Completed');
    await stopRunner(runner);
  });

  it("intervals of '30d' do not turn into 1 ms loops", async () => {
    const runner = await createRunner({
      schedulerPollInterval: '30d',
      heartbeatInterval: '30d',
      staleClaimThreshold: '60d',
      staleClaimSweepInterval: '30d',
    });
    registerSlow(runner, 1);
    expect((await runner.execute('slow')).status).toBe('Completed');
    const before = await claimAttempts(runner, 'empty');
    // Idle: a claim pass now runs only if something asks for one; a 1 ms loop makes hundreds.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await claimAttempts(runner, 'empty')) - before).toBeLessThan(5);
    await stopRunner(runner);
  });
});
