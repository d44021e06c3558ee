/** Two runner processes on one database share the work; no task body runs twice. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRunner, freshDatabaseUrl, stopRunner } from '../helpers/backend.js';
import { countLines, logLines, spawnScript } from '../helpers/processes.js';
import { chainWorkflow } from './fixtures/chain-workflow.js';

describe('several runner processes on one database', () => {
  it('runs 2 × 200 workflows of 3 tasks with every task body exactly once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cloacina-two-'));
    const logFile = join(dir, 'log.txt');
    const url = freshDatabaseUrl();
    // Create the schema before the processes start, so both begin with work to share at once.
    const setup = await createRunner({}, url);
    await stopRunner(setup);
    const children = [0, 1].map(() =>
      spawnScript('test/acceptance/fixtures/chain-worker.ts', [url, logFile, '200', '3', '0']),
    );
    const codes = await Promise.all(children.map((c) => c.exited));
    for (const child of children)
      expect(child.stdout().slice(-300), child.stderr()).toContain('done');
    expect(codes).toEqual([0, 0]);

    const lines = logLines(logFile);
    expect(lines).toHaveLength(2 * 200 * 3);
    expect([...countLines(lines).values()].every((n) => n === 1)).toBe(true);

    const check = await createRunner({}, url);
    check.register(chainWorkflow('chain', 3, logFile, 0));
    const all = await check.listExecutions({ limit: 1000 });
    expect(all).toHaveLength(400);
    expect(all.every((r) => r.status === 'Completed')).toBe(true);
    // Both processes executed tasks (claims recorded the runner of each start).
    const runners = new Set<string>();
    for (const execution of all) {
      if (runners.size === 2) break;
      for (const event of await check.getExecutionEvents(execution.executionId)) {
        if (event.type === 'task_started' && event.runnerId !== null) runners.add(event.runnerId);
      }
    }
    expect(runners.size).toBe(2);
    await stopRunner(check);
  }, 120_000);
});
