/**
 * `cloacinactl executions wait` and shortened ids through the real binary: a wait re-attaches to
 * an execution a runner in this process holds and returns when it ends, with the exit code of
 * `run --wait`; a timeout has its own exit code; a unique id prefix names an execution, an
 * ambiguous one lists its matches, a short one is refused.
 */
import { describe, expect, it } from 'vitest';
import { Client, TaskError, task, workflow } from '../../src/index.js';
import { idPrefixEnd } from '../../src/store/ops/execution-pages.js';
import { createRunner, freshDatabaseUrl, nextEvent, stopRunner } from '../helpers/backend.js';
import { cli, json, ok } from './cli-harness.js';

/** One line of stderr, no stack trace. */
function expectOneLineError(run: { code: number | string; stderr: string }, pattern: RegExp): void {
  expect(run.code).not.toBe(0);
  const lines = run.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(run.stderr).not.toMatch(/^\s+at /m);
}

/** The ids among `ids` sharing their first 8 characters with the most others. */
function largestGroup(ids: readonly string[]): string[] {
  const groups = new Map<string, string[]>();
  for (const id of ids) groups.set(id.slice(0, 8), [...(groups.get(id.slice(0, 8)) ?? []), id]);
  return [...groups.values()].sort((a, b) => b.length - a.length)[0] ?? [];
}

describe('cloacinactl executions wait', () => {
  it('waits for a running execution, returns at once for an ended one, times out with 124', async () => {
    const url = freshDatabaseUrl();
    const runner = await createRunner({}, url);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    runner.register(
      workflow({
        name: 'held',
        tasks: [task({ id: 'hold' }, async (ctx) => ctx.set('done', await gate.then(() => 1)))],
      }),
    );
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
    expect(failed.status).toBe('Failed');

    const started = nextEvent(runner, (e) => e.type === 'task_started' && e.taskId === 'hold');
    const running = await runner.executeAsync('held');
    await started;
    const id = running.executionId;

    const [timedOut, endedFailed, endedJson] = await Promise.all([
      cli(url, ['executions', 'wait', id, '--timeout', '300ms']),
      cli(url, ['executions', 'wait', failed.executionId]),
      cli(url, ['--json', 'executions', 'wait', failed.executionId]),
    ]);
    expectOneLineError(
      timedOut,
      new RegExp(
        `^cloacinactl: TIMEOUT: execution ${id} did not end within 300ms; it keeps running`,
      ),
    );
    expect(timedOut.code).toBe(124);
    expectOneLineError(
      endedFailed,
      new RegExp(
        `^cloacinactl: execution ${failed.executionId} ended Failed: 1 task\\(s\\) failed: boom$`,
      ),
    );
    expect(endedFailed.code).toBe(1);
    expect(endedFailed.stdout).toMatch(/status:\s+Failed/);
    expect(endedFailed.stdout).toMatch(/boom\s+Failed.*disk full/);
    expect(endedJson.code).toBe(1);
    expect(JSON.parse(endedJson.stdout)).toMatchObject({
      executionId: failed.executionId,
      status: 'Failed',
    });

    // That a wait holds while the task is held is shown by the timeout above; a wait started
    // before the release reports the end it waited for.
    const waiting = cli(url, ['executions', 'wait', id]);
    release();
    const waited = await waiting;
    expect(waited.code).toBe(0);
    expect(waited.stdout).toMatch(new RegExp(`execution:\\s+${id}`));
    expect(waited.stdout).toMatch(/status:\s+Completed/);
    expect(waited.stdout).toMatch(/"done": 1/);

    // Ended: the result at once, as JSON too.
    const again = await json<{ status: string; finalContext: unknown }>(url, [
      'executions',
      'wait',
      id,
    ]);
    expect(again).toMatchObject({ status: 'Completed', finalContext: { done: 1 } });
    await stopRunner(runner);
  }, 240_000);
});

describe('execution id prefixes', () => {
  it('resolve when unique, list the matches when ambiguous, and are refused when short', async () => {
    const url = freshDatabaseUrl();
    const runner = await createRunner({}, url);
    runner.register(workflow({ name: 'quick', tasks: [task({ id: 'only' }, () => undefined)] }));
    await runner.definitionsStored();
    // Made in a burst: the first 8 characters (the top of the ms timestamp) change every 65 s,
    // so at least 6 of 12 ids share them even when the burst crosses such a change.
    const handles = await Promise.all(
      Array.from({ length: 12 }, () => runner.executeAsync('quick')),
    );
    await Promise.all(handles.map((h) => h.wait()));
    const ids = handles.map((h) => h.executionId).sort();
    const group = largestGroup(ids);
    expect(group.length).toBeGreaterThanOrEqual(6);
    const shared = group[0]!.slice(0, 8);
    const target = ids[3]!;
    await stopRunner(runner);

    await using client = await Client.connect(url);
    // By id, case-insensitive, bounded by the limit; a full id and a dash-ended prefix match.
    expect((await client.findExecutionsByIdPrefix(shared, 100)).map((s) => s.executionId)).toEqual(
      ids.filter((i) => i.startsWith(shared)),
    );
    expect(await client.findExecutionsByIdPrefix(shared.toUpperCase(), 2)).toHaveLength(2);
    expect((await client.findExecutionsByIdPrefix(target)).map((s) => s.executionId)).toEqual([
      target,
    ]);
    expect(
      (await client.findExecutionsByIdPrefix(`${shared}-`, 100)).map((s) => s.executionId),
    ).toEqual(ids.filter((i) => i.startsWith(shared)));
    expect(await client.findExecutionsByIdPrefix('zzzzzzzz')).toEqual([]);
    expect(await client.findExecutionsByIdPrefix('ffffffff')).toEqual([]);
    await expect(client.findExecutionsByIdPrefix('')).rejects.toMatchObject({ code: 'CONFIG' });
    await expect(client.findExecutionsByIdPrefix(shared, 0)).rejects.toMatchObject({
      code: 'CONFIG',
    });

    // Ids of one burst can share their first 24 characters (time, then a counter): 32 are unique.
    const unique = target.slice(0, 32);
    const [shown, waited, ambiguous, ambiguousFew, short, none, events] = await Promise.all([
      json<{ executionId: string }>(url, ['executions', 'show', unique]),
      json<{ executionId: string }>(url, ['executions', 'wait', unique.toUpperCase()]),
      cli(url, ['executions', 'show', shared]),
      cli(url, ['executions', 'cancel', group[0]!.slice(0, 8)]),
      cli(url, ['executions', 'show', shared.slice(0, 7)]),
      cli(url, ['executions', 'show', 'ffffffff-ff']),
      ok(url, ['executions', 'events', unique]),
    ]);
    expect(shown.executionId).toBe(target);
    expect(waited.executionId).toBe(target);
    expect(events).toMatch(/execution_completed|ExecutionCompleted|completed/i);
    expectOneLineError(
      ambiguous,
      new RegExp(
        `^cloacinactl: AMBIGUOUS_ID: prefix ${shared} matches more than 5 executions: ` +
          `${group.slice(0, 5).join(', ')}, …; give more characters$`,
      ),
    );
    expectOneLineError(ambiguousFew, /AMBIGUOUS_ID/);
    expectOneLineError(short, /^cloacinactl: ID_PREFIX_TOO_SHORT: .*at least 8 characters/);
    expectOneLineError(none, /^cloacinactl: NOT_FOUND: .*'ffffffff-ff'/);

    // Two ids that differ only after the prefix: the listed count is exact below the cap.
    const pair = group.slice(0, 2);
    let common = 0;
    while (pair[0]![common] === pair[1]![common]) common += 1;
    const twoOrMore = await cli(url, ['executions', 'show', pair[0]!.slice(0, common)]);
    expectOneLineError(twoOrMore, /^cloacinactl: AMBIGUOUS_ID: prefix \S+ matches /);
  }, 240_000);

  it('bounds a prefix range within the hex digits', () => {
    expect(idPrefixEnd('01a24673')).toBe('01a24674');
    expect(idPrefixEnd('01a24679')).toBe('01a2467a');
    expect(idPrefixEnd('01a2ff')).toBe('01a3');
    expect(idPrefixEnd('01a24673-')).toBe('01a24674');
    expect(idPrefixEnd('01a24673-f')).toBe('01a24674');
    expect(idPrefixEnd('ffff')).toBeNull();
  });
});
