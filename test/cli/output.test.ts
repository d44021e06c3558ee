/**
 * What `cloacinactl` prints about executions and workflows, through the real binary: event
 * listings in recorded order with times to the millisecond and full ids; a retrying task's last
 * error and next attempt time and a paused execution's reason, in `--watch` and `executions
 * show`; the triggers and cron schedules that start a workflow; what `cron update` changed.
 */
import { describe, expect, it } from 'vitest';
import { defineTrigger, task, TriggerResult, workflow } from '../../src/index.js';
import { createRunner, freshDatabaseUrl, stopRunner } from '../helpers/backend.js';
import { json, ok, startCli, waitFor } from './cli-harness.js';

/** An ISO 8601 UTC time to the millisecond. */
const PRECISE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** The rows of a printed table, split on its column gaps (cells hold no double space). */
function rows(text: string): string[][] {
  return text
    .trim()
    .split('\n')
    .map((line) => line.split(/ {2,}/));
}

describe('cloacinactl executions events and lists', () => {
  it('lists events in recorded order with millisecond times and full ids', async () => {
    const url = freshDatabaseUrl();
    const runner = await createRunner({}, url);
    runner.register(
      workflow({
        name: 'quick',
        tasks: [
          task({ id: 'x' }, () => undefined),
          task({ id: 'y', dependencies: ['x'] }, () => undefined),
        ],
      }),
    );
    await runner.definitionsStored();
    const { executionId } = await runner.execute('quick');
    await stopRunner(runner);

    const [table, events, list] = await Promise.all([
      ok(url, ['executions', 'events', executionId]),
      json<{ id: number; type: string; runnerId: string; createdAtMs: number }[]>(url, [
        'executions',
        'events',
        executionId,
      ]),
      ok(url, ['executions', 'list']),
    ]);
    // The order is the events' ids: the order they were recorded in, several per millisecond.
    const ids = events.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    const [header, ...lines] = rows(table);
    expect(header).toEqual(['TIME', 'EVENT', 'TASK', 'RUNNER', 'DATA']);
    expect(lines.map((cells) => cells[1])).toEqual(events.map((e) => e.type));
    expect(lines.map((cells) => cells[0])).toEqual(
      events.map((e) => new Date(e.createdAtMs).toISOString()),
    );
    for (const cells of lines) expect(cells[0]).toMatch(PRECISE);
    expect(lines.map((cells) => cells[3])).toEqual(events.map((e) => e.runnerId));
    expect(lines[0]?.[3]).toBe(runner.runnerId);
    // Lists print whole ids: UUIDv7s made together share their first characters.
    expect(rows(list)[1]?.[0]).toBe(executionId);
  }, 120_000);
});

describe('cloacinactl --watch and executions show', () => {
  it("show a retrying task's last error and next attempt time, and why an execution is paused", async () => {
    const url = freshDatabaseUrl();
    const runner = await createRunner({}, url);
    runner.register(
      workflow({
        name: 'flaky',
        tasks: [
          task({ id: 'call', retry: { attempts: 3, initialDelay: '1h', maxDelay: '2h' } }, () => {
            throw new Error('service down');
          }),
        ],
      }),
    );
    await runner.definitionsStored();

    const watch = startCli(url, ['run', 'flaky', '--watch']);
    const retryLine =
      /^call\s+Ready\s+2\s+\S+\s+-\s+retry: attempt 2 at (\S+); attempt 1 failed: service down$/m;
    const seen = await waitFor(
      () => retryLine.exec(watch.stdout()),
      60_000,
      'the watch to show the retry',
    );
    expect(seen[1]).toMatch(PRECISE);
    // The first retry waits the policy's initial delay: about an hour from now.
    expect(Date.parse(seen[1]!) - Date.now()).toBeGreaterThan(30 * 60_000);
    // The execution's line is written on its own; under load it may come after the task's.
    const executionId = (
      await waitFor(
        () => /^flaky (\S+) {2}Running$/m.exec(watch.stdout()),
        10_000,
        'the watch to show the execution Running',
      )
    )[1];
    expect(executionId).toMatch(/^[0-9a-f-]{36}$/);

    await ok(url, ['executions', 'pause', executionId!, '--reason', 'db maintenance']);
    await waitFor(
      () => watch.stdout().includes(`flaky ${executionId}  Paused (reason: db maintenance)`),
      60_000,
      'the watch to show the pause',
    );
    const [shown, shownJson] = await Promise.all([
      ok(url, ['executions', 'show', executionId!]),
      json<{
        pauseReason: string | null;
        taskResults: { taskId: string; lastError?: string; retryAt?: string | null }[];
      }>(url, ['executions', 'show', executionId!]),
    ]);
    expect(shown).toMatch(/^status:\s+Paused \(reason: db maintenance\)$/m);
    expect(shown).toMatch(retryLine);
    expect(shown).toMatch(/^started:\s+\S+\.\d{3}Z$/m);
    expect(shownJson.pauseReason).toBe('db maintenance');
    expect(shownJson.taskResults).toEqual([
      expect.objectContaining({ taskId: 'call', lastError: 'service down', retryAt: seen[1] }),
    ]);

    // The watch follows the execution to its end: cancelled, so it exits 1.
    await ok(url, ['executions', 'cancel', executionId!]);
    expect(await watch.exited).toBe(1);
    expect(watch.stdout()).toMatch(new RegExp(`flaky ${executionId}  Cancelled`));
    await stopRunner(runner);
    // A live runner serves the workflow, so the only line on stderr is how the run ended.
    expect(watch.stderr()).toBe(
      `cloacinactl: execution ${executionId} ended Cancelled: Execution cancelled\n`,
    );
  }, 180_000);
});

describe('cloacinactl workflows show and cron update', () => {
  it('lists the triggers and cron schedules that start a workflow; cron update says what changed', async () => {
    const url = freshDatabaseUrl();
    const runner = await createRunner({}, url);
    const quick = workflow({ name: 'quick', tasks: [task({ id: 'x' }, () => undefined)] });
    runner.register(quick);
    runner.register(workflow({ name: 'lonely', tasks: [task({ id: 'y' }, () => undefined)] }));
    await runner.registerTrigger(
      defineTrigger({ name: 'tick', pollInterval: '1h' }, async () => TriggerResult.skip('idle')),
      'quick',
    );
    await runner.definitionsStored();
    await stopRunner(runner);

    const id = (
      await ok(url, ['cron', 'add', 'quick', '0 2 * * *', '--timezone', 'Europe/Paris'])
    ).trim();
    const updated = await ok(url, ['cron', 'update', id, '--expression', '30 3 * * MON-FRI']);
    expect(updated).toMatch(new RegExp(`^cron schedule ${id} updated:$`, 'm'));
    expect(updated).toMatch(/^expression:\s+0 2 \* \* \* → 30 3 \* \* MON-FRI$/m);
    expect(updated).toMatch(/^timezone:\s+Europe\/Paris \(unchanged\)$/m);
    expect(updated).toMatch(/^next run:\s+\S+Z → \S+Z$/m);

    const [shown, shownJson, versioned, lonely] = await Promise.all([
      ok(url, ['workflows', 'show', 'quick']),
      json<{ startedBy: { triggers: { triggerName: string }[]; cron: { id: string }[] } }>(url, [
        'workflows',
        'show',
        'quick',
      ]),
      // `--version` after the command is the command's option, not the CLI's.
      ok(url, ['workflows', 'show', 'quick', '--version', quick.version]),
      ok(url, ['workflows', 'show', 'lonely']),
    ]);
    expect(shown).toMatch(/^STARTED BY\s+NAME\s+SCHEDULE\s+ENABLED\s+NEXT RUN$/m);
    expect(shown).toMatch(/^trigger\s+tick\s+polled every 1h\s+yes\s+-$/m);
    expect(shown).toMatch(
      new RegExp(`^cron\\s+${id}\\s+30 3 \\* \\* MON-FRI \\(Europe/Paris\\)\\s+yes\\s+\\S+Z$`, 'm'),
    );
    expect(shownJson.startedBy.triggers.map((t) => t.triggerName)).toEqual(['tick']);
    expect(shownJson.startedBy.cron.map((c) => c.id)).toEqual([id]);
    expect(versioned).toMatch(new RegExp(`^version:\\s+${quick.version}$`, 'm'));
    expect(lonely).toContain(
      "started by: no trigger or cron schedule (start it with 'cloacinactl run lonely')",
    );
  }, 180_000);
});
