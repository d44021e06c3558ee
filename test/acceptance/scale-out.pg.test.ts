/**
 * Scale-out on PostgreSQL: 3 runner processes share 1,000 mixed workflows (a 3-task chain and a
 * 1→5→1 fan-out). Every task body runs exactly once and every execution completes; with one
 * process killed (SIGKILL) mid-run, the others finish its work and only the tasks it had in
 * flight may run twice.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '../../src/index.js';
import { openStore } from '../../src/store/open.js';
import type { ExecutionRecord } from '../../src/store/rows.js';
import type { Store } from '../../src/store/store.js';
import { freshDatabaseUrl } from '../helpers/backend.js';
import { countLines, logLines, spawnScript, type Child } from '../helpers/processes.js';
import { MIXED_NAMES, MIXED_TASKS } from './fixtures/mixed-workflows.js';

const WORKER = 'test/acceptance/fixtures/mixed-worker.ts';
const WORKFLOWS = 1_000;
const PROCESSES = 3;
/** Slots per worker process. */
const SLOTS = 8;
/**
 * The most claims a process holds, so the most tasks a killed one can leave to run again:
 * SLOTS bodies executing and as many finished ones whose result is still being written.
 */
const MOST_CLAIMS = 2 * SLOTS;
/** 3 processes × (4 pooled + 1 LISTEN) plus the test's client and store stay far below 100. */
const WORKER_CONFIG = {
  maxConcurrentTasks: SLOTS,
  dbPoolSize: 4,
  heartbeatInterval: '100ms',
  staleClaimThreshold: '1s',
  staleClaimSweepInterval: '200ms',
};
const TASKS_PER_WORKFLOW = (MIXED_TASKS.chain3.length + MIXED_TASKS.fan5.length) / 2;

const opened: { close(): Promise<void> }[] = [];
const spawned: Child[] = [];
afterEach(async () => {
  // A failed test leaves its workers running: they would go on claiming in later tests.
  for (const child of spawned.splice(0)) {
    if (child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill('SIGKILL');
    }
  }
  await Promise.allSettled(opened.splice(0).map((handle) => handle.close()));
});

/** Polls `predicate` every `intervalMs` until it holds, or rejects after `timeoutMs`. */
async function until(
  predicate: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
  intervalMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Starts the worker processes, waits for them to store their definitions, schedules the batch. */
async function startScaleOut(
  url: string,
  logFile: string,
): Promise<{ children: Child[]; store: Store; ids: string[] }> {
  const children = Array.from({ length: PROCESSES }, () =>
    spawnScript(WORKER, [url, logFile, '0', JSON.stringify(WORKER_CONFIG)]),
  );
  spawned.push(...children);
  const client = await Client.connect(url, { poolSize: 4 });
  opened.push(client);
  const store = await openStore(url, { poolSize: 2 });
  opened.push(store);
  await until(
    async () => children.every((c) => c.stdout().includes('ready')),
    30_000,
    'the workers to start',
    50,
  );
  await until(
    async () => (await client.listWorkflows()).length === MIXED_NAMES.length,
    10_000,
    'the workers to store their workflow definitions',
    50,
  );
  const ids: string[] = [];
  // Scheduled 20 at a time while the workers already run, as an application would.
  for (let start = 0; start < WORKFLOWS; start += 20) {
    const batch = Array.from({ length: Math.min(20, WORKFLOWS - start) }, (_, k) =>
      client.executeAsync(MIXED_NAMES[(start + k) % 2]!, { i: start + k }),
    );
    for (const handle of await Promise.all(batch)) ids.push(handle.executionId);
  }
  return { children, store, ids };
}

/** Waits until no execution is active, checks that all `ids` ended Completed, returns them. */
async function expectAllCompleted(
  store: Store,
  ids: readonly string[],
  timeoutMs: number,
): Promise<ExecutionRecord[]> {
  await until(
    async () => (await store.countActiveExecutions()) === 0,
    timeoutMs,
    'every execution to end',
  );
  const records = await store.listExecutions({ limit: 2 * WORKFLOWS, offset: 0 });
  expect(records).toHaveLength(ids.length);
  const statuses = countLines(records.map((r) => r.status));
  expect(Object.fromEntries(statuses)).toEqual({ Completed: ids.length });
  expect(new Set(records.map((r) => r.id))).toEqual(new Set(ids));
  return records;
}

/** How often the body of every task of `records` ran, by `<executionId> <taskId>`. */
function taskRuns(logFile: string, records: readonly ExecutionRecord[]): Map<string, number> {
  const counts = countLines(logLines(logFile));
  const runs = new Map<string, number>();
  for (const record of records) {
    for (const taskId of MIXED_TASKS[record.workflowName as (typeof MIXED_NAMES)[number]]) {
      const line = `${record.id} ${taskId}`;
      runs.set(line, counts.get(line) ?? 0);
    }
  }
  return runs;
}

/** Stops the workers with SIGTERM and returns how many task bodies each ran. */
async function stopWorkers(children: readonly Child[]): Promise<number[]> {
  for (const child of children) child.process.kill('SIGTERM');
  const codes = await Promise.all(children.map((c) => c.exited));
  children.forEach((child, k) => expect(codes[k], child.stderr().slice(-2000)).toBe(0));
  return children.map((child) => Number(/ran (\d+)/.exec(child.stdout())?.[1] ?? NaN));
}

describe('scale-out: 3 runner processes × 1,000 mixed workflows', () => {
  it('runs every task body exactly once and completes every workflow', async () => {
    const logFile = join(mkdtempSync(join(tmpdir(), 'cloacina-scale-')), 'log.txt');
    const url = freshDatabaseUrl();
    const { children, store, ids } = await startScaleOut(url, logFile);
    const records = await expectAllCompleted(store, ids, 60_000);
    const ran = await stopWorkers(children);

    const runs = taskRuns(logFile, records);
    expect(runs.size).toBe(WORKFLOWS * TASKS_PER_WORKFLOW);
    const wrong = [...runs].filter(([, n]) => n !== 1);
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(logLines(logFile)).toHaveLength(WORKFLOWS * TASKS_PER_WORKFLOW);
    // Every process took a share of the work, and together they ran each body once.
    expect(
      ran.every((n) => n > 0),
      `tasks per process: ${ran.join(', ')}`,
    ).toBe(true);
    expect(ran.reduce((a, b) => a + b, 0)).toBe(WORKFLOWS * TASKS_PER_WORKFLOW);
  }, 90_000);

  it('finishes the work of a process killed mid-run; only its in-flight tasks run twice', async () => {
    const logFile = join(mkdtempSync(join(tmpdir(), 'cloacina-scale-kill-')), 'log.txt');
    const url = freshDatabaseUrl();
    const { children, store, ids } = await startScaleOut(url, logFile);
    const [victim, ...survivors] = children as [Child, ...Child[]];
    // Kill once about a third of the task bodies ran: every process is busy then.
    await until(
      async () => logLines(logFile).length >= (WORKFLOWS * TASKS_PER_WORKFLOW) / 3,
      60_000,
      'a third of the task bodies to run',
      20,
    );
    victim.process.kill('SIGKILL');
    expect(await victim.exited).toBe('SIGKILL');
    // The victim writes nothing more: lines up to here include every body it ever started.
    const linesAtKill = logLines(logFile).length;
    expect(linesAtKill).toBeLessThan(WORKFLOWS * TASKS_PER_WORKFLOW);

    const records = await expectAllCompleted(store, ids, 60_000);
    const ran = await stopWorkers(survivors);
    expect(
      ran.every((n) => n > 0),
      `tasks per surviving process: ${ran.join(', ')}`,
    ).toBe(true);

    const runs = taskRuns(logFile, records);
    expect(runs.size).toBe(WORKFLOWS * TASKS_PER_WORKFLOW);
    expect([...runs].filter(([, n]) => n < 1 || n > 2).slice(0, 10)).toEqual([]);
    // A body that ran twice was in flight in the victim: its first run came before the kill,
    // and the victim held at most MOST_CLAIMS claims.
    const lines = logLines(logFile);
    const twice = [...runs].filter(([, n]) => n === 2).map(([line]) => line);
    expect(twice.length).toBeLessThanOrEqual(MOST_CLAIMS);
    for (const line of twice) expect(lines.indexOf(line)).toBeLessThan(linesAtKill);
  }, 90_000);
});
