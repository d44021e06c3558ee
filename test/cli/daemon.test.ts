/**
 * The daemon and the commands that read what it ran, through the real binary in separate
 * processes: run --wait, executions show/list/events, JSON output, /metrics and /healthz, hot
 * loading of a new module, and graceful hand-over on SIGTERM.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Client } from '../../src/index.js';
import { freshDatabaseUrl } from '../helpers/backend.js';
import {
  greetModule,
  httpGet,
  json,
  moduleDir,
  ok,
  sample,
  startDaemon,
  waitFor,
  writeModule,
} from './cli-harness.js';

interface ExecutionJson {
  executionId: string;
  workflowName: string;
  status: string;
  finalContext: Record<string, unknown>;
  taskResults: { taskId: string; status: string; attempts: number }[];
}

describe('cloacinactl daemon', () => {
  it('executes what `run --wait` schedules from another process; show, list, events, metrics', async () => {
    const url = freshDatabaseUrl();
    const dir = moduleDir();
    writeModule(dir, 'greet.ts', greetModule('greet_flow'));
    const daemon = await startDaemon(url, dir);

    const out = await ok(url, ['run', 'greet_flow', '--context', '{"name":"ops"}', '--wait']);
    expect(out).toMatch(/status:\s+Completed/);
    expect(out).toContain('"loud": "HELLO OPS"');

    const list = await json<ExecutionJson[]>(url, [
      'executions',
      'list',
      '--workflow',
      'greet_flow',
    ]);
    expect(list).toHaveLength(1);
    const [execution] = list;
    expect(execution?.status).toBe('Completed');

    const shown = await ok(url, ['executions', 'show', execution!.executionId]);
    expect(shown).toMatch(/greet\s+Completed\s+1\s/);
    expect(shown).toMatch(/shout\s+Completed\s+1\s/);
    expect(shown).toContain('final context:');

    const detail = await json<ExecutionJson>(url, ['executions', 'show', execution!.executionId]);
    expect(detail.taskResults.map((t) => [t.taskId, t.status, t.attempts])).toEqual([
      ['greet', 'Completed', 1],
      ['shout', 'Completed', 1],
    ]);
    expect(detail.finalContext).toMatchObject({ name: 'ops', greeting: 'hello ops' });

    const events = await json<{ type: string }[]>(url, [
      'executions',
      'events',
      execution!.executionId,
    ]);
    expect(events.map((e) => e.type)).toContain('workflow_completed');

    const metrics = await httpGet(daemon.metricsPort, '/metrics');
    expect(metrics.status).toBe(200);
    expect(sample(metrics.body, 'cloacina_workflows_total', { status: 'completed' })).toBe(1);
    expect(sample(metrics.body, 'cloacina_tasks_total', { status: 'completed' })).toBe(2);
    const health = await httpGet(daemon.metricsPort, '/healthz');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok', workflows: ['greet_flow'] });
    // /metrics names workflows and triggers: loopback only unless --metrics-host widens it.
    expect(daemon.metricsHost).toBe('127.0.0.1');
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal);
    if (external !== undefined) {
      await expect(
        fetch(`http://${external.address}:${daemon.metricsPort}/metrics`),
      ).rejects.toThrow();
    }

    // --watch into a pipe prints a task table whenever it changes, ending with the final one.
    const watched = await ok(url, ['run', 'greet_flow', '--watch']);
    expect(watched.trim().split('\n\n').at(-1)).toMatch(
      /Completed\n.*\ngreet\s+Completed\s+1\s.*\nshout\s+Completed\s+1\s/s,
    );

    expect(await daemon.stop('SIGTERM')).toBe(0);
  }, 240_000);

  it('loads a module dropped into the folder while running, and reloads a changed one', async () => {
    const url = freshDatabaseUrl();
    const dir = moduleDir();
    writeModule(dir, 'first.ts', greetModule('first_flow'));
    const daemon = await startDaemon(url, dir);
    const names = async (): Promise<string[]> =>
      (await json<{ name: string }[]>(url, ['workflows', 'list'])).map((w) => w.name);
    // Definitions are stored in the background of register(): wait rather than race it.
    await waitFor(async () => (await names()).includes('first_flow'), 45_000, 'first_flow listed');

    writeModule(dir, 'second.mts', greetModule('second_flow'));
    await waitFor(
      async () => (await names()).includes('second_flow'),
      45_000,
      'second_flow listed',
    );

    // A changed module registers a new content version, which becomes the latest.
    const before = await json<{ version: string }>(url, ['workflows', 'show', 'first_flow']);
    writeModule(dir, 'first.ts', greetModule('first_flow').replace("'greets'", "'greets v2'"));
    await waitFor(
      async () =>
        (await json<{ version: string }>(url, ['workflows', 'show', 'first_flow'])).version !==
        before.version,
      45_000,
      'a new version of first_flow',
    );
    const out = await ok(url, ['run', 'first_flow', '--wait']);
    expect(out).toMatch(/status:\s+Completed/);
    expect(await daemon.stop('SIGINT')).toBe(0);
  }, 240_000);

  it('hands a running task over on SIGTERM (exit 0); a second daemon finishes it', async () => {
    const url = freshDatabaseUrl();
    const dir = moduleDir();
    const hold = join(dir, 'hold');
    writeFileSync(hold, '');
    writeModule(
      dir,
      'long.ts',
      `
import { existsSync } from 'node:fs';
const long = task({ id: 'long', timeout: '1m' }, async (ctx, { signal }) => {
  // Works until the hold file is gone; honours shutdown by rejecting on abort.
  while (existsSync(String(ctx.get('hold')))) {
    if (signal.aborted) throw new Error('aborted');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  ctx.insert('done', true);
});
export const flow = workflow({ name: 'long_flow', tasks: [long] });
`,
    );
    const first = await startDaemon(url, dir, ['--shutdown-timeout', '200ms']);
    const id = (await ok(url, ['run', 'long_flow', '--context', JSON.stringify({ hold })])).trim();
    const taskStatus = async (): Promise<string | undefined> =>
      (await json<ExecutionJson>(url, ['executions', 'show', id])).taskResults[0]?.status;
    await waitFor(async () => (await taskStatus()) === 'Running', 45_000, 'the long task to run');

    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.child.stdout()).toContain('handed unfinished tasks over to other runners');
    expect(await taskStatus()).toBe('Ready');

    rmSync(hold);
    expect(existsSync(hold)).toBe(false);
    const second = await startDaemon(url, dir);
    await using client = await Client.connect(url);
    const result = await client.waitForExecution(id, '60s');
    expect(result.status).toBe('Completed');
    expect(result.finalContext.get('done')).toBe(true);
    expect(await second.stop()).toBe(0);
  }, 240_000);
});
