/**
 * Operating through the real binary and the code-free Client: a client schedules what a daemon
 * executes, triggers are switched off in a running daemon, cron schedules are managed, and every
 * user mistake ends with a non-zero exit and one line.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Client, WorkflowNotFoundError, task, workflow } from '../../src/index.js';
import { createRunner, freshDatabaseUrl, stopRunner } from '../helpers/backend.js';
import {
  cli,
  greetModule,
  json,
  moduleDir,
  ok,
  startDaemon,
  waitFor,
  writeModule,
} from './cli-harness.js';

/** One line of stderr, no stack trace. */
function expectOneLineError(run: { code: number | string; stderr: string }, pattern: RegExp): void {
  expect(run.code).not.toBe(0);
  const lines = run.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(run.stderr).not.toMatch(/^\s+at /m);
}

describe('Client without task code', () => {
  it('schedules a stored workflow by name that a daemon executes', async () => {
    const url = freshDatabaseUrl();
    const dir = moduleDir();
    writeModule(dir, 'greet.ts', greetModule('client_flow'));
    const daemon = await startDaemon(url, dir);
    await using client = await Client.connect(url);

    // Definitions are stored in the background of register(): wait rather than race it.
    await waitFor(
      async () => (await client.listWorkflows()).length > 0,
      45_000,
      'the stored definition',
    );
    const workflows = await client.listWorkflows();
    expect(workflows.map((w) => [w.name, w.tasks.map((t) => t.id)])).toEqual([
      ['client_flow', ['greet', 'shout']],
    ]);
    const result = await client.execute('client_flow', { name: 'client' }, { timeout: '60s' });
    expect(result.status).toBe('Completed');
    expect(result.workflowVersion).toBe(workflows[0]?.version);
    expect(result.finalContext.get('loud')).toBe('HELLO CLIENT');
    await expect(client.executeAsync('no_such_flow')).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect(await daemon.stop()).toBe(0);
  }, 240_000);
});

describe('cloacinactl triggers and cron', () => {
  it('`triggers disable` stops polling in a running daemon; `enable` resumes it', async () => {
    const url = freshDatabaseUrl();
    const dir = moduleDir();
    const polls = join(dir, 'polls.log');
    writeModule(
      dir,
      'tick.ts',
      `
import { appendFileSync } from 'node:fs';
const noop = task({ id: 'noop' }, async () => undefined);
export const flow = workflow({ name: 'tick_flow', tasks: [noop] });
export const tick = defineTrigger({ name: 'tick', pollInterval: '50ms' }, async () => {
  appendFileSync(${JSON.stringify(polls)}, 'poll\\n');
  return TriggerResult.skip('nothing to do');
});
`,
    );
    const count = (): number =>
      existsSync(polls) ? readFileSync(polls, 'utf8').split('\n').length - 1 : 0;
    const daemon = await startDaemon(url, dir);
    await waitFor(() => count() >= 2, 45_000, 'the trigger to be polled');

    const listed = await json<{ triggerName: string; workflowName: string; enabled: boolean }[]>(
      url,
      ['triggers', 'list'],
    );
    expect(listed).toMatchObject([
      { triggerName: 'tick', workflowName: 'tick_flow', enabled: true },
    ]);
    await ok(url, ['triggers', 'disable', 'tick']);
    const atDisable = count();
    // Several base ticks (1 s) of the daemon's loop pass; at most a poll in flight may land.
    const shown = await json<{ enabled: boolean }>(url, ['triggers', 'show', 'tick']);
    expect(shown.enabled).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(count() - atDisable).toBeLessThanOrEqual(1);

    await ok(url, ['triggers', 'enable', 'tick']);
    const atEnable = count();
    await waitFor(() => count() >= atEnable + 2, 45_000, 'polling to resume');

    // A manual fire runs the workflow in the daemon and shows up in the history.
    const fired = await json<{ status: string; executionId: string }>(url, [
      'triggers',
      'fire',
      'tick',
      '--context',
      '{"k":1}',
    ]);
    expect(fired.status).toBe('fired');
    await waitFor(
      async () =>
        (await json<{ status: string }[]>(url, ['triggers', 'history', 'tick']))[0]?.status ===
        'completed',
      45_000,
      'the fired run to complete',
    );
    expect(await daemon.stop()).toBe(0);
  }, 240_000);

  it('manages cron schedules; a bad expression exits non-zero with the reason', async () => {
    const url = freshDatabaseUrl();
    // A runner stores the definition the schedules refer to, then goes away.
    const runner = await createRunner({}, url);
    runner.register(
      workflow({ name: 'nightly', tasks: [task({ id: 'only' }, async () => undefined)] }),
    );
    await stopRunner(runner);

    // Independent invocations run side by side: each process start costs a second or two.
    const [badExpression, badZone, missing] = await Promise.all([
      cli(url, ['cron', 'add', 'nightly', 'not a cron']),
      cli(url, ['cron', 'add', 'nightly', '0 2 * * *', '--timezone', 'Mars/Olympus']),
      cli(url, ['cron', 'add', 'missing', '0 2 * * *']),
    ]);
    expectOneLineError(badExpression, /^cloacinactl: CRON: .*field/);
    expectOneLineError(badZone, /CRON: Unknown time zone 'Mars\/Olympus'/);
    expectOneLineError(missing, /WORKFLOW_NOT_FOUND/);

    const id = (
      await ok(url, ['cron', 'add', 'nightly', '0 2 * * *', '--timezone', 'Europe/Paris'])
    ).trim();
    const [schedule] = await json<{ id: string; expression: string; enabled: boolean }[]>(url, [
      'cron',
      'list',
    ]);
    expect(schedule).toMatchObject({ id, expression: '0 2 * * *', enabled: true });
    await ok(url, ['cron', 'update', id, '--expression', '30 3 * * MON-FRI']);
    await ok(url, ['cron', 'disable', id]);
    const [updated] = await json<{ expression: string; enabled: boolean }[]>(url, ['cron', 'list']);
    expect(updated).toMatchObject({ expression: '30 3 * * MON-FRI', enabled: false });
    expectOneLineError(
      await cli(url, ['cron', 'update', id, '--expression', '99 * * * *']),
      /CRON/,
    );
    const [history, stats] = await Promise.all([
      json(url, ['cron', 'history', id]),
      json(url, ['cron', 'stats']),
    ]);
    expect(history).toEqual([]);
    expect(stats).toMatchObject({ total: 0 });
    await ok(url, ['cron', 'delete', id]);
    expectOneLineError(await cli(url, ['cron', 'delete', id]), /NOT_FOUND/);
  }, 240_000);

  it('reports unknown ids, bad input and an unreachable database in one line', async () => {
    const url = freshDatabaseUrl();
    // The database is created once first (commands never create one), so the runs below read it.
    await ok(url, ['migrate']);
    const cleanup = await json<{ events: number; dryRun: boolean }>(url, [
      'events',
      'cleanup',
      '--older-than',
      '1d2h',
      '--dry-run',
    ]);
    expect(cleanup).toMatchObject({ events: 0, dryRun: true });
    const [unknownExecution, unknownTrigger, badContext, badDuration, noFolder, noServer] =
      await Promise.all([
        cli(url, ['executions', 'show', 'nope']),
        cli(url, ['triggers', 'disable', 'nope']),
        cli(url, ['run', 'x', '--context', '{oops']),
        cli(url, ['events', 'cleanup', '--older-than', '90x']),
        cli('sqlite:///no/such/folder/x.db', ['workflows', 'list']),
        cli('postgres://nobody@127.0.0.1:1/none', ['workflows', 'list']),
      ]);
    expectOneLineError(unknownExecution, /^cloacinactl: NOT_FOUND: .*'nope'/);
    expectOneLineError(unknownTrigger, /NOT_FOUND/);
    expectOneLineError(badContext, /--context is not valid JSON/);
    expectOneLineError(badDuration, /older-than/);
    expectOneLineError(noFolder, /DATABASE/);
    expectOneLineError(noServer, /DATABASE|ECONNREFUSED/);
  }, 240_000);
});
