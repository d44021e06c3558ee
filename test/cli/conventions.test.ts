/**
 * What every `cloacinactl` command shares, through the real binary: `--version`; exit codes (0
 * ok, 1 failed, 2 usage) the same for every "not found"; errors as one JSON object on stderr
 * with `--json`; hints that name CLI commands where the library's name functions; statuses in
 * any case, printed in the API's; durations with a unit (`1w` too); and a warning when `run`
 * starts a workflow no live runner serves.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Client, TaskError, task, workflow } from '../../src/index.js';
import { createRunner, freshDatabaseUrl, stopRunner } from '../helpers/backend.js';
import { cli, json, ok } from './cli-harness.js';

/** The one JSON object an error writes to stderr under `--json`. */
function jsonError(stderr: string): { code: string; message: string; exitCode: number } {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return (JSON.parse(lines[0]!) as { error: { code: string; message: string; exitCode: number } })
    .error;
}

/** A database holding `quick` (stored by a runner now stopped) and one Failed execution. */
async function seeded(): Promise<{ url: string; failedId: string }> {
  const url = freshDatabaseUrl();
  const runner = await createRunner({}, url);
  runner.register(workflow({ name: 'quick', tasks: [task({ id: 'x' }, () => undefined)] }));
  runner.register(
    workflow({
      name: 'broken',
      tasks: [
        task({ id: 'boom' }, () => {
          throw new TaskError('disk full', { retryable: false });
        }),
      ],
    }),
  );
  await runner.definitionsStored();
  const failed = await runner.execute('broken');
  await stopRunner(runner);
  return { url, failedId: failed.executionId };
}

describe('cloacinactl --version', () => {
  it("prints the package's version", async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const [long, short] = await Promise.all([
      cli(freshDatabaseUrl(), ['--version']),
      cli(freshDatabaseUrl(), ['-V']),
    ]);
    for (const run of [long, short]) {
      expect(run).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
  }, 60_000);
});

describe('cloacinactl exit codes and errors', () => {
  it('exits 1 for anything not found, 2 for usage, and prints JSON errors on stderr', async () => {
    const { url } = await seeded();
    const unknownId = '01a24773-0000-7000-8000-000000000000';
    const [
      cronHistory,
      cronDisable,
      cronUpdate,
      triggerHistory,
      execution,
      workflowShow,
      runUnknown,
      keyRevoke,
    ] = await Promise.all([
      cli(url, ['cron', 'history', 'nope']),
      cli(url, ['cron', 'disable', 'nope']),
      cli(url, ['cron', 'update', 'nope', '--expression', '0 1 * * *']),
      cli(url, ['triggers', 'history', 'nope']),
      cli(url, ['executions', 'show', unknownId]),
      cli(url, ['workflows', 'show', 'nope']),
      cli(url, ['run', 'nope']),
      cli(url, ['keys', 'revoke', 'nope']),
    ]);
    const hints: [typeof cronHistory, RegExp][] = [
      [cronHistory, /^cloacinactl: NOT_FOUND: .*'cloacinactl cron list'/],
      [cronDisable, /^cloacinactl: NOT_FOUND: .*'cloacinactl cron list'/],
      [cronUpdate, /^cloacinactl: NOT_FOUND: .*'cloacinactl cron list'/],
      [triggerHistory, /^cloacinactl: NOT_FOUND: .*'cloacinactl triggers list'/],
      [execution, /^cloacinactl: NOT_FOUND: .*'cloacinactl executions list' shows recent ones/],
      [workflowShow, /^cloacinactl: NOT_FOUND: .*'cloacinactl workflows list'/],
      [runUnknown, /^cloacinactl: WORKFLOW_NOT_FOUND: .*'cloacinactl workflows list'/],
      [keyRevoke, /^cloacinactl: NOT_FOUND: .*'cloacinactl keys list'/],
    ];
    for (const [run, hint] of hints) {
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(hint);
      // A hint for a shell user names commands, not library functions such as listExecutions().
      expect(run.stderr).not.toMatch(/\w\(\w*\)/);
    }

    // Library users keep the hints written for code.
    await using client = await Client.connect(url);
    await expect(client.executeAsync('nope')).rejects.toThrow(/runner\.register\(workflow\)/);
    await expect(client.getExecutionResult(unknownId)).rejects.toThrow(/listExecutions\(\)/);

    const [notFoundJson, usageJson, unknownCommandJson, unknownCommand, bareGroup] =
      await Promise.all([
        cli(url, ['--json', 'cron', 'history', 'nope']),
        cli(url, ['--json', 'executions', 'list', '--limit', '0']),
        cli(url, ['--json', 'cron', 'lst']),
        cli(url, ['cron', 'lst']),
        cli(url, ['cron']),
      ]);
    expect(notFoundJson.code).toBe(1);
    expect(notFoundJson.stdout).toBe('');
    expect(jsonError(notFoundJson.stderr)).toEqual({
      code: 'NOT_FOUND',
      message:
        "No cron schedule with id 'nope'; 'cloacinactl cron list' shows the existing schedules.",
      exitCode: 1,
    });
    expect(usageJson.code).toBe(2);
    expect(jsonError(usageJson.stderr)).toEqual({
      code: 'USAGE',
      message: "--limit must be a positive integer; received '0'.",
      exitCode: 2,
    });
    expect(unknownCommandJson.code).toBe(2);
    const unknown = jsonError(unknownCommandJson.stderr);
    expect(unknown.code).toBe('USAGE');
    expect(unknown.message).toMatch(/^unknown command 'lst'/);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toMatch(/^error: unknown command 'lst'/);
    expect(bareGroup.code).toBe(2);
    expect(bareGroup.stderr).toContain('Usage: cloacinactl cron');

    const help = await ok(url, ['--help']);
    expect(help).toMatch(/Exit codes:\n {2}0 {4}success\n {2}1 {4}the command failed/);
  }, 240_000);

  it('reports a run that ended Failed on stderr, as JSON too, with its result on stdout', async () => {
    const { url, failedId } = await seeded();
    const [human, asJson] = await Promise.all([
      cli(url, ['executions', 'wait', failedId]),
      cli(url, ['--json', 'executions', 'wait', failedId]),
    ]);
    expect(human.code).toBe(1);
    expect(human.stderr).toBe(
      `cloacinactl: execution ${failedId} ended Failed: 1 task(s) failed: boom\n`,
    );
    expect(asJson.code).toBe(1);
    expect(JSON.parse(asJson.stdout)).toMatchObject({ executionId: failedId, status: 'Failed' });
    expect(jsonError(asJson.stderr)).toEqual({
      code: 'FAILED',
      message: `execution ${failedId} ended Failed: 1 task(s) failed: boom`,
      exitCode: 1,
    });
  }, 120_000);
});

describe('cloacinactl statuses and durations', () => {
  it('takes statuses in any case and durations with a unit, weeks included', async () => {
    const { url, failedId } = await seeded();
    const before = await json<unknown[]>(url, ['executions', 'list']);
    const [lower, upper, table, prune, weeks, plain, plainTimeout, badStatus, after] =
      await Promise.all([
        json<{ executionId: string; status: string }[]>(url, [
          'executions',
          'list',
          '--status',
          'failed',
        ]),
        json<{ executionId: string }[]>(url, ['executions', 'list', '--status', 'FAILED']),
        ok(url, ['executions', 'list', '--status', 'failed']),
        json<{ status: string; executions: number }>(url, [
          'prune',
          '--older-than',
          '2w',
          '--status',
          'failed',
          '--dry-run',
        ]),
        ok(url, ['events', 'cleanup', '--older-than', '1w', '--dry-run']),
        cli(url, ['events', 'cleanup', '--older-than', '90']),
        cli(url, ['run', 'quick', '--wait', '--timeout', '5000']),
        cli(url, ['executions', 'list', '--status', 'done']),
        json<unknown[]>(url, ['executions', 'list', '--after', failedId]),
      ]);
    expect(lower).toEqual([expect.objectContaining({ executionId: failedId, status: 'Failed' })]);
    expect(upper.map((e) => e.executionId)).toEqual([failedId]);
    // Printed in the API's form, whatever the case it was asked in.
    expect(table).toMatch(new RegExp(`^${failedId}\\s+broken\\s+Failed\\s`, 'm'));
    expect(prune).toMatchObject({ status: 'Failed', executions: 0 });
    expect(weeks).toBe('would delete 0 event(s) older than 7d\n');
    for (const run of [plain, plainTimeout]) {
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^cloacinactl: --\S+ must be a duration with a unit, e.g. 90d/);
      expect(run.stderr).toMatch(/received '(90|5000)'\.$/m);
    }
    // A refused --timeout starts nothing.
    expect(await json<unknown[]>(url, ['executions', 'list'])).toHaveLength(before.length);
    expect(badStatus.code).toBe(2);
    expect(badStatus.stderr).toMatch(/--status must be one of Scheduled, .*; received 'done'/);
    // The failed execution is the oldest: nothing is listed after it.
    expect(before).toHaveLength(1);
    expect(after).toEqual([]);
  }, 240_000);
});

describe('cloacinactl run without a runner', () => {
  it('warns at once on stderr when no live runner serves the workflow, and still schedules it', async () => {
    const url = freshDatabaseUrl();
    const runner = await createRunner({}, url);
    runner.register(workflow({ name: 'quick', tasks: [task({ id: 'x' }, () => undefined)] }));
    runner.register(workflow({ name: 'other', tasks: [task({ id: 'y' }, () => undefined)] }));
    await runner.definitionsStored();
    const served = await cli(url, ['run', 'quick']);
    expect(served.code).toBe(0);
    expect(served.stderr).toBe('');
    await runner.waitForExecution(served.stdout.trim());
    await stopRunner(runner);

    const [human, asJson] = await Promise.all([
      cli(url, ['run', 'quick']),
      cli(url, ['--json', 'run', 'other']),
    ]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^[0-9a-f-]{36}\n$/);
    expect(human.stderr).toBe(
      "cloacinactl: warning: no live runner has workflow 'quick' registered: the execution " +
        'waits until one starts (a daemon with its module, or a runner that registers it).\n',
    );
    expect(asJson.code).toBe(0);
    expect(JSON.parse(asJson.stdout)).toMatchObject({ workflowName: 'other', created: true });
    const { warning } = JSON.parse(asJson.stderr) as { warning: { code: string; message: string } };
    expect(warning.code).toBe('NO_LIVE_RUNNER');
    expect(warning.message).toMatch(/^no live runner has workflow 'other' registered/);
    const pending = await json<{ status: string }[]>(url, [
      'executions',
      'list',
      '--workflow',
      'quick',
    ]);
    expect(pending.map((e) => e.status)).toEqual(['Pending', 'Completed']);
  }, 240_000);
});
