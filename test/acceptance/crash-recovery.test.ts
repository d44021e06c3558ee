/**
 * Crash recovery with real processes killed by SIGKILL: a new runner on the same database
 * finishes every unfinished execution, and no completed task runs again.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRunner, freshDatabaseUrl, stopRunner } from '../helpers/backend.js';
import { countLines, logLines, spawnScript, waitFor } from '../helpers/processes.js';
import { chainWorkflow } from './fixtures/chain-workflow.js';

const WORKER = 'test/acceptance/fixtures/chain-worker.ts';
const recoveryConfig = {
  heartbeatInterval: '50ms',
  staleClaimThreshold: '300ms',
  staleClaimSweepInterval: '50ms',
} as const;

/** Runs a recovering runner over `url` until every execution there has ended; returns them. */
async function recover(url: string, logFile: string, sleepMs: number) {
  const runner = await createRunner(recoveryConfig, url);
  runner.register(chainWorkflow('chain', 5, logFile, sleepMs));
  const executions = await runner.listExecutions();
  const results = await Promise.all(
    executions.map((e) => runner.waitForExecution(e.executionId, '30s')),
  );
  await stopRunner(runner);
  return results;
}

describe('crash recovery (SIGKILL)', () => {
  it('finishes a 5-task chain killed during task 3 without re-running completed tasks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cloacina-kill-'));
    const logFile = join(dir, 'log.txt');
    const url = freshDatabaseUrl();
    const child = spawnScript(WORKER, [url, logFile, '1', '5', '150']);
    await waitFor(
      () => logLines(logFile).some((l) => l.endsWith(' t3')),
      20_000,
      'task 3 to start',
    );
    child.process.kill('SIGKILL');
    expect(await child.exited).toBe('SIGKILL');

    const [result] = await recover(url, logFile, 150);
    expect(result?.status).toBe('Completed');
    const counts = countLines(logLines(logFile).map((l) => l.split(' ')[1]!));
    expect(counts.get('t1')).toBe(1);
    expect(counts.get('t2')).toBe(1);
    expect(counts.get('t3')).toBeGreaterThanOrEqual(1);
    expect(counts.get('t3')).toBeLessThanOrEqual(2);
    expect(counts.get('t4')).toBe(1);
    expect(counts.get('t5')).toBe(1);
  });

  it('ends every execution Completed after kills at 10 random points', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cloacina-kills-'));
    for (let round = 0; round < 10; round += 1) {
      const logFile = join(dir, `log-${round}.txt`);
      const url = freshDatabaseUrl();
      // 3 executions of 5 short tasks: a kill lands during scheduling, a task, or a completion.
      const child = spawnScript(WORKER, [url, logFile, '3', '5', '20']);
      await waitFor(
        () => child.stdout().includes('scheduled'),
        20_000,
        'the worker to start scheduling',
      );
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 250)));
      child.process.kill('SIGKILL');
      await child.exited;

      const scheduled = child.stdout().match(/scheduled \S+/g)?.length ?? 0;
      const results = await recover(url, logFile, 20);
      expect(results.length).toBeGreaterThanOrEqual(scheduled);
      expect(results.every((r) => r.status === 'Completed')).toBe(true);
      const counts = countLines(logLines(logFile));
      for (const result of results) {
        const perTask = ['t1', 't2', 't3', 't4', 't5'].map(
          (t) => counts.get(`${result.executionId} ${t}`) ?? 0,
        );
        expect(perTask.every((n) => n >= 1 && n <= 2)).toBe(true);
        // Only the task in flight at the kill may have run twice.
        expect(perTask.filter((n) => n === 2).length).toBeLessThanOrEqual(1);
      }
    }
  }, 120_000);
});
