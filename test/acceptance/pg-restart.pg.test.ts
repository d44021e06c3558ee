/**
 * Resilience: the PostgreSQL server is stopped and started again while two runners (one in a
 * child process, one in this process) are mid-workload. Both log the failures, retry, reconnect
 * and finish every workflow: nothing is lost, and only tasks in flight around the outage may run
 * a second time.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/index.js';
import { createRunner, freshDatabaseUrl, stopRunner } from '../helpers/backend.js';
import { countLines, logLines, spawnScript, waitFor } from '../helpers/processes.js';
import { MIXED_NAMES, MIXED_TASKS, mixedWorkflows } from './fixtures/mixed-workflows.js';

const run = promisify(execFile);
const WORKER = 'test/acceptance/fixtures/mixed-worker.ts';
const WORKFLOWS = 200;
const SLOTS = 8;
/**
 * The most claims a runner holds: SLOTS bodies executing and as many finished ones whose result
 * is still being written.
 */
const MOST_CLAIMS = 2 * SLOTS;
/** How long each task body sleeps: long enough for the workload to span the outage. */
const SLEEP_MS = 100;
const RUNNER_CONFIG = {
  maxConcurrentTasks: SLOTS,
  dbPoolSize: 4,
  schedulerPollInterval: '100ms',
  heartbeatInterval: '100ms',
  staleClaimThreshold: '2s',
  staleClaimSweepInterval: '200ms',
};

/** `pg_ctlcluster <action>` on the local cluster (the only one in /etc/postgresql). */
async function cluster(action: 'start' | 'stop'): Promise<void> {
  const [version] = readdirSync('/etc/postgresql');
  await run('pg_ctlcluster', ['--skip-systemctl-redirect', version!, 'main', action]);
}

/** Whether the server accepts connections. */
async function pgReady(): Promise<boolean> {
  try {
    await run('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-t', '1']);
    return true;
  } catch {
    return false;
  }
}

// Later test files need the server: start it again whatever happened here.
afterAll(async () => {
  if (await pgReady()) return;
  await cluster('start').catch(() => undefined);
  await waitFor(pgReady, 30_000, 'PostgreSQL to accept connections again');
}, 60_000);

/** A logger recording warnings and errors (message and error text) for the assertions. */
function recordingLogger(lines: string[]): Logger {
  const record =
    (level: string) =>
    (obj: object | string, msg?: string): void => {
      const err =
        typeof obj === 'object' && 'err' in obj ? (obj.err as Error | undefined) : undefined;
      const text = msg ?? (typeof obj === 'string' ? obj : JSON.stringify(obj));
      lines.push(`${level} ${text} ${err?.message ?? ''}`);
    };
  const logger: Logger = {
    debug: () => undefined,
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
    child: () => logger,
  };
  return logger;
}

describe('PostgreSQL server restart mid-workload', () => {
  it('finishes every workflow in both runners, each task body at most twice', async () => {
    const logFile = join(mkdtempSync(join(tmpdir(), 'cloacina-pg-restart-')), 'log.txt');
    const url = freshDatabaseUrl();
    const logged: string[] = [];
    const runner = await createRunner({ ...RUNNER_CONFIG, logger: recordingLogger(logged) }, url);
    for (const definition of mixedWorkflows(logFile, SLEEP_MS)) runner.register(definition);
    const child = spawnScript(WORKER, [
      url,
      logFile,
      String(SLEEP_MS),
      JSON.stringify(RUNNER_CONFIG),
    ]);
    try {
      await waitFor(() => child.stdout().includes('ready'), 30_000, 'the worker to start');
      const handles = [];
      for (let i = 0; i < WORKFLOWS; i += 1) {
        handles.push(await runner.executeAsync(MIXED_NAMES[i % 2]!, { i }));
      }
      // Every waiter is registered before the outage: they must survive it too.
      const results = Promise.all(handles.map((h) => h.wait('60s')));
      // Awaited below; a wait that fails early must fail the test there, not as unhandled.
      results.catch(() => undefined);
      const total = WORKFLOWS * ((MIXED_TASKS.chain3.length + MIXED_TASKS.fan5.length) / 2);
      await waitFor(() => logLines(logFile).length >= total / 4, 30_000, 'a quarter of the work');

      const quietUntil = { test: logged.length, child: child.stderr().length };
      await cluster('stop');
      // Down until both runners noticed: a failed statement or the LISTEN connection lost.
      const noticed = (lines: readonly string[]): boolean =>
        lines.some((l) => /warn|error/.test(l) && /PostgreSQL|failed/.test(l));
      await waitFor(
        () =>
          noticed(logged.slice(quietUntil.test)) &&
          noticed(child.stderr().slice(quietUntil.child).split('\n')),
        15_000,
        'both runners to log the outage',
      );
      await cluster('start');
      await waitFor(pgReady, 30_000, 'PostgreSQL to accept connections again');
      // Bodies started from here on began after the outage; no earlier one may have run twice.
      const linesAtRecovery = logLines(logFile).length;
      expect(linesAtRecovery).toBeLessThan(total);

      const ended = await results;
      expect(ended.filter((r) => r.status !== 'Completed')).toEqual([]);
      expect(child.process.exitCode, child.stderr().slice(-2000)).toBeNull();

      const counts = countLines(logLines(logFile));
      const lines = logLines(logFile);
      const wrong: string[] = [];
      const twice: string[] = [];
      for (const result of ended) {
        const name = result.workflowName as (typeof MIXED_NAMES)[number];
        for (const taskId of MIXED_TASKS[name]) {
          const line = `${result.executionId} ${taskId}`;
          const n = counts.get(line) ?? 0;
          if (n < 1 || n > 2) wrong.push(`${line} ×${n}`);
          if (n === 2) twice.push(line);
        }
      }
      expect(wrong).toEqual([]);
      // Only tasks in flight in one of the two runners around the outage ran again.
      expect(twice.length).toBeLessThanOrEqual(2 * MOST_CLAIMS);
      for (const line of twice) expect(lines.indexOf(line)).toBeLessThan(linesAtRecovery);
    } finally {
      child.process.kill('SIGTERM');
      const code = await child.exited;
      await stopRunner(runner);
      expect(code, child.stderr().slice(-2000)).toBe(0);
    }
  }, 90_000);
});
