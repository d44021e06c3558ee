/**
 * Task logs kept with their attempt: what `handle.log` writes is stored as `task_log` events,
 * per attempt, within the bound, readable while the task runs and left out of the execution's
 * history.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import {
  Client,
  ConfigError,
  NotFoundError,
  TASK_LOG_MAX_BYTES,
  TASK_LOG_MAX_LINE_BYTES,
  TASK_LOG_MAX_LINES,
  task,
  workflow,
  type DefaultRunner,
  type TaskFunction,
} from '../../src/index.js';
import { openStore } from '../../src/store/open.js';
import { createRunner, freshDatabase, stopRunner, type FreshDatabase } from '../helpers/backend.js';
import { pgAdmin } from '../helpers/pg.js';
import { waitFor } from '../helpers/wait.js';
import { RecordingLogger } from './triggers-fixtures.js';

const fast = { initialDelay: '5ms', jitter: false } as const;

/** A gate a task body waits at until the test opens it. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

/** Registers a one-task workflow `name` whose task `work` runs `fn`. */
function oneTask(runner: DefaultRunner, name: string, fn: TaskFunction, attempts = 1): void {
  runner.register(
    workflow({ name, tasks: [task({ id: 'work', retry: { ...fast, attempts } }, fn)] }),
  );
}

/** The `task_log` rows of an execution, read from the database itself. */
async function taskLogRows(db: FreshDatabase, executionId: string): Promise<number> {
  const sql = `SELECT COUNT(*) AS n FROM execution_events WHERE execution_id = $1 AND event_type = 'task_log'`;
  if (db.schema !== undefined) {
    const rows = await pgAdmin<{ n: string }>(
      sql.replace('execution_events', `"${db.schema}".execution_events`),
      [executionId],
    );
    return Number(rows[0]!.n);
  }
  const file = new Database(new URL(db.url).pathname, { readonly: true, timeout: 5_000 });
  try {
    return (file.prepare(sql.replace('$1', '?')).get(executionId) as { n: number }).n;
  } finally {
    file.close();
  }
}

/** Makes the database refuse every task log row, as a write failure would. */
async function refuseTaskLogs(db: FreshDatabase): Promise<void> {
  if (db.schema !== undefined) {
    const table = `"${db.schema}".execution_events`;
    await pgAdmin(
      `CREATE FUNCTION "${db.schema}".refuse_logs() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'task logs refused by a test trigger' USING ERRCODE = '23514'; END $$`,
    );
    await pgAdmin(
      `CREATE TRIGGER refuse_logs BEFORE INSERT ON ${table} FOR EACH ROW
       WHEN (NEW.event_type = 'task_log') EXECUTE FUNCTION "${db.schema}".refuse_logs()`,
    );
    return;
  }
  // The runner may be writing (its workflow definitions): wait for the lock like it does.
  const file = new Database(new URL(db.url).pathname, { timeout: 5_000 });
  try {
    file.exec(
      `CREATE TRIGGER refuse_logs BEFORE INSERT ON execution_events
       WHEN NEW.event_type = 'task_log'
       BEGIN SELECT RAISE(ABORT, 'task logs refused by a test trigger'); END`,
    );
  } finally {
    file.close();
  }
}

describe('task logs', () => {
  it('keeps lines per attempt across a retry; the latest attempt by default', async () => {
    const runner = await createRunner();
    oneTask(
      runner,
      'retried',
      (ctx, handle) => {
        handle.log.info(`try ${handle.attempt} starts`);
        if (handle.attempt === 1) {
          handle.log.warn({ reason: 'flaky' }, 'about to fail');
          throw new Error('first try fails');
        }
        handle.log.info('second try done');
      },
      2,
    );
    const result = await runner.execute('retried');
    expect(result.status).toBe('Completed');

    const latest = await runner.getTaskLogs(result.executionId, 'work');
    expect(latest).toMatchObject({ executionId: result.executionId, taskId: 'work' });
    expect(latest.attempt).toBe(2);
    expect(latest.attempts).toBe(2);
    expect(latest.truncated).toBe(false);
    expect(latest.lines.map((l) => [l.seq, l.level, l.message])).toEqual([
      [1, 'info', 'try 2 starts'],
      [2, 'info', 'second try done'],
    ]);

    const first = await runner.getTaskLogs(result.executionId, 'work', { attempt: 1 });
    expect(first.attempt).toBe(1);
    expect(first.attempts).toBe(2);
    expect(first.lines.map((l) => [l.seq, l.level, l.message, l.fields])).toEqual([
      [1, 'info', 'try 1 starts', undefined],
      [2, 'warn', 'about to fail', { reason: 'flaky' }],
    ]);
    for (const line of [...first.lines, ...latest.lines]) {
      expect(Math.abs(line.at - Date.now())).toBeLessThan(60_000);
      expect(Object.keys(line).sort()).toEqual(
        line.fields === undefined
          ? ['at', 'level', 'message', 'seq']
          : ['at', 'fields', 'level', 'message', 'seq'],
      );
    }
    await stopRunner(runner);
  });

  it("writes an attempt's lines before its outcome, and still to the runner's logger", async () => {
    const db = freshDatabase();
    const logger = new RecordingLogger();
    const runner = await createRunner({ logger }, db.url);
    oneTask(runner, 'ordered', (ctx, handle) => {
      handle.log.info({ step: 1 }, 'only line');
    });
    const result = await runner.execute('ordered');
    await stopRunner(runner);
    expect(logger.calls.find((call) => call.msg === 'only line')?.fields).toMatchObject({
      executionId: result.executionId,
      taskId: 'work',
      step: 1,
    });

    const store = await openStore(db.url);
    try {
      const log = await store.getTaskLog({ executionId: result.executionId, taskId: 'work' });
      const completed = (await store.getEvents(result.executionId)).find(
        (e) => e.type === 'task_completed',
      );
      expect(log?.lines).toHaveLength(1);
      expect(log!.lines[0]!.eventId).toBeLessThan(completed!.id);
    } finally {
      await store.close();
    }
  });

  it('shows lines while the task still runs', async () => {
    const runner = await createRunner();
    const held = gate();
    oneTask(runner, 'live', async (ctx, handle) => {
      handle.log.info('started');
      await held.wait;
      handle.log.info('finished');
    });
    const handle = await runner.executeAsync('live');
    const running = await waitFor(
      async () => {
        const log = await runner.getTaskLogs(handle.executionId, 'work');
        return log.lines.length > 0 ? log : null;
      },
      5_000,
      'the first line to be readable',
    );
    expect(running.lines.map((l) => l.message)).toEqual(['started']);
    expect(await runner.getExecutionStatus(handle.executionId)).toBe('Running');
    held.open();
    await handle.wait();
    const done = await runner.getTaskLogs(handle.executionId, 'work');
    expect(done.lines.map((l) => [l.seq, l.message])).toEqual([
      [1, 'started'],
      [2, 'finished'],
    ]);
    await stopRunner(runner);
  });

  it('keeps the newest lines past the line bound, across writes, and says so', async () => {
    const runner = await createRunner();
    const held = gate();
    const first = TASK_LOG_MAX_LINES - 400;
    const total = TASK_LOG_MAX_LINES + 200;
    oneTask(runner, 'many_lines', async (ctx, handle) => {
      for (let i = 1; i <= first; i++) handle.log.info(`line ${i}`);
      await held.wait;
      for (let i = first + 1; i <= total; i++) handle.log.debug(`line ${i}`);
    });
    const handle = await runner.executeAsync('many_lines');
    // The first lines are stored before the rest: the bound is applied to stored lines too.
    await waitFor(
      async () => (await runner.getTaskLogs(handle.executionId, 'work')).lines.length === first,
      5_000,
      'the first lines to be stored',
    );
    held.open();
    await handle.wait();
    const log = await runner.getTaskLogs(handle.executionId, 'work');
    expect(log.truncated).toBe(true);
    expect(log.lines).toHaveLength(TASK_LOG_MAX_LINES);
    expect(log.lines[0]!.seq).toBe(total - TASK_LOG_MAX_LINES + 1);
    expect(log.lines.at(-1)).toMatchObject({ seq: total, message: `line ${total}` });
    expect(log.lines.map((l) => l.seq)).toEqual(
      Array.from({ length: TASK_LOG_MAX_LINES }, (_, i) => total - TASK_LOG_MAX_LINES + 1 + i),
    );
    await stopRunner(runner);
  });

  it('keeps the newest lines within the byte bound, in one burst and across writes', async () => {
    const runner = await createRunner();
    const held = gate();
    const text = (i: number): string => `${String(i).padStart(3, '0')}:${'x'.repeat(9_996)}`;
    const perLine = text(1).length;
    const fit = Math.floor(TASK_LOG_MAX_BYTES / perLine);
    oneTask(runner, 'big_lines', async (ctx, handle) => {
      for (let i = 1; i <= fit + 5; i++) handle.log.info(text(i));
      await held.wait;
      for (let i = fit + 6; i <= fit + 10; i++) handle.log.info(text(i));
    });
    const handle = await runner.executeAsync('big_lines');
    const burst = await waitFor(
      async () => {
        const log = await runner.getTaskLogs(handle.executionId, 'work');
        return log.lines.length > 0 ? log : null;
      },
      5_000,
      'the burst to be stored',
    );
    // The burst outgrew the bound before its first write: its oldest lines never reached the table.
    expect(burst.lines.map((l) => l.seq)).toEqual(Array.from({ length: fit }, (_, i) => 6 + i));
    expect(burst.truncated).toBe(true);
    held.open();
    await handle.wait();
    const log = await runner.getTaskLogs(handle.executionId, 'work');
    expect(log.lines.map((l) => l.seq)).toEqual(Array.from({ length: fit }, (_, i) => 11 + i));
    expect(log.lines.at(-1)!.message).toBe(text(fit + 10));
    expect(log.lines.reduce((sum, l) => sum + l.message.length, 0)).toBeLessThanOrEqual(
      TASK_LOG_MAX_BYTES,
    );
    expect(log.truncated).toBe(true);
    await stopRunner(runner);
  });

  it('cuts an over-long line and marks it, keeping small fields', async () => {
    const runner = await createRunner();
    oneTask(runner, 'long_line', (ctx, handle) => {
      handle.log.info({ requestId: 'r-1' }, 'é'.repeat(20_000));
      handle.log.info('short');
    });
    const result = await runner.execute('long_line');
    const [long, short] = (await runner.getTaskLogs(result.executionId, 'work')).lines;
    const bytes = Buffer.byteLength(long!.message) + JSON.stringify(long!.fields).length;
    expect(bytes).toBeLessThanOrEqual(TASK_LOG_MAX_LINE_BYTES);
    expect(bytes).toBeGreaterThan(TASK_LOG_MAX_LINE_BYTES - 100);
    expect(long!.message.startsWith('éééé')).toBe(true);
    expect(long!.message).toMatch(/ …\[cut: line of 40\d{3} bytes\]$/);
    expect(long!.fields).toEqual({ requestId: 'r-1' });
    expect(short).toMatchObject({ seq: 2, message: 'short' });
    await stopRunner(runner);
  });

  it('keeps fields JSON-safe: errors, bigints, dates, undefined, cycles', async () => {
    const runner = await createRunner();
    oneTask(runner, 'fields', (ctx, handle) => {
      const cyclic: Record<string, unknown> = { name: 'loop' };
      cyclic.self = cyclic;
      handle.log.info({ user: 'ann', n: 3, nested: { ok: true, list: [1, 'two', null] } }, 'plain');
      handle.log.warn({ big: 10n, skip: undefined, when: new Date(0), cyclic });
      handle.log.error(new TypeError('bad input'));
      handle.log.debug({ msg: 'message from the object', extra: 1 });
    });
    const result = await runner.execute('fields');
    const lines = (await runner.getTaskLogs(result.executionId, 'work')).lines;
    expect(lines[0]).toMatchObject({
      level: 'info',
      message: 'plain',
      fields: { user: 'ann', n: 3, nested: { ok: true, list: [1, 'two', null] } },
    });
    expect(lines[1]).toMatchObject({
      level: 'warn',
      message: '',
      fields: {
        big: '10',
        when: '1970-01-01T00:00:00.000Z',
        cyclic: { name: 'loop', self: '[Circular]' },
      },
    });
    expect(lines[1]!.fields).not.toHaveProperty('skip');
    expect(lines[2]).toMatchObject({
      level: 'error',
      message: 'bad input',
      fields: { err: { type: 'TypeError', message: 'bad input' } },
    });
    expect(String((lines[2]!.fields!.err as { stack: string }).stack)).toContain('TypeError');
    expect(lines[3]).toMatchObject({ message: 'message from the object', fields: { extra: 1 } });
    await stopRunner(runner);
  });

  it('writes no task_log rows for a task that does not log; the history has none either', async () => {
    const db = freshDatabase();
    const runner = await createRunner({}, db.url);
    oneTask(runner, 'silent', (ctx) => ctx.set('ok', true));
    runner.register(
      workflow({
        name: 'chatty',
        tasks: [task({ id: 'work' }, (ctx, handle) => handle.log.info('hello'))],
      }),
    );
    const silent = await runner.execute('silent');
    const chatty = await runner.execute('chatty');
    expect(await taskLogRows(db, silent.executionId)).toBe(0);
    expect((await runner.getTaskLogs(silent.executionId, 'work')).lines).toEqual([]);
    expect(await taskLogRows(db, chatty.executionId)).toBe(1);
    for (const id of [silent.executionId, chatty.executionId]) {
      const events = await runner.getExecutionEvents(id);
      expect(events.map((e) => e.type)).not.toContain('task_log');
      expect(events.map((e) => e.type)).toContain('task_completed');
    }
    await stopRunner(runner);
  });

  it('reads the same logs through a client; unknown ids and attempts are refused', async () => {
    const db = freshDatabase();
    const runner = await createRunner({}, db.url);
    oneTask(runner, 'read', (ctx, handle) => handle.log.info('via client'));
    const { executionId } = await runner.execute('read');
    await stopRunner(runner);
    const client = await Client.connect(db.url, { schema: db.schema });
    try {
      const log = await client.getTaskLogs(executionId, 'work');
      expect(log.lines.map((l) => l.message)).toEqual(['via client']);
      await expect(client.getTaskLogs('no-such-execution', 'work')).rejects.toThrow(
        /No workflow execution with id 'no-such-execution'/,
      );
      await expect(client.getTaskLogs(executionId, 'nope')).rejects.toThrow(NotFoundError);
      await expect(client.getTaskLogs(executionId, 'nope')).rejects.toThrow(
        /has no task 'nope'; its tasks are work/,
      );
      await expect(client.getTaskLogs(executionId, 'work', { attempt: 2 })).rejects.toThrow(
        NotFoundError,
      );
      await expect(client.getTaskLogs(executionId, 'work', { attempt: 2 })).rejects.toThrow(
        /no attempt 2: it has had 1 so far/,
      );
      await expect(client.getTaskLogs(executionId, 'work', { attempt: 0 })).rejects.toThrow(
        ConfigError,
      );
      await expect(client.getTaskLogs(executionId, 'work', { attempt: 1.5 })).rejects.toThrow(
        /attempt must be an integer ≥ 1 .*received 1\.5/,
      );
      await expect(
        client.getTaskLogs(executionId, 'work', { attemp: 1 } as { attempt?: number }),
      ).rejects.toThrow(/unknown option 'attemp'/);
    } finally {
      await client.close();
    }
  });

  it('never fails the task over a log write: the error is reported once, the lines dropped', async () => {
    const db = freshDatabase();
    const logger = new RecordingLogger();
    const runner = await createRunner({ logger }, db.url);
    const held = gate();
    oneTask(runner, 'refused', async (ctx, handle) => {
      handle.log.info('first batch');
      await held.wait;
      handle.log.info('second batch');
      ctx.set('ok', true);
    });
    oneTask(runner, 'warm_up', (ctx) => ctx.set('ok', true));
    await runner.execute('warm_up');
    await refuseTaskLogs(db);
    const handle = await runner.executeAsync('refused');
    const failures = (): number =>
      logger.calls.filter((c) => c.msg.startsWith('writing task log lines failed')).length;
    await waitFor(() => failures() === 1, 5_000, 'the first write to fail');
    held.open();
    const result = await handle.wait();
    expect(result.status).toBe('Completed');
    expect(failures()).toBe(1);
    expect(logger.calls.find((c) => c.msg.startsWith('writing task log'))?.fields).toMatchObject({
      executionId: handle.executionId,
      taskId: 'work',
      attempt: 1,
      dropped: 1,
    });
    expect((await runner.getTaskLogs(handle.executionId, 'work')).lines).toEqual([]);
    await stopRunner(runner);
  });

  it("keeps a cancelled task's last lines", async () => {
    const runner = await createRunner();
    const held = gate();
    oneTask(runner, 'cancelled', async (ctx, handle) => {
      handle.log.info('working');
      handle.signal.addEventListener('abort', () => handle.log.warn('cancelled, stopping'));
      await held.wait;
    });
    const handle = await runner.executeAsync('cancelled');
    await waitFor(
      async () => (await runner.getTaskLogs(handle.executionId, 'work')).lines.length === 1,
      5_000,
      'the first line to be stored',
    );
    await handle.cancel();
    // Logged after the task row became Cancelled (its claim gone): kept all the same.
    const log = await waitFor(
      async () => {
        const read = await runner.getTaskLogs(handle.executionId, 'work');
        return read.lines.length === 2 ? read : null;
      },
      5_000,
      'the line logged at cancellation',
    );
    expect(log.lines.map((l) => [l.seq, l.level, l.message])).toEqual([
      [1, 'info', 'working'],
      [2, 'warn', 'cancelled, stopping'],
    ]);
    held.open();
    await stopRunner(runner);
  });

  it('writes buffered lines at shutdown; a re-run of the attempt numbers on after them', async () => {
    const db = freshDatabase();
    const first = await createRunner({}, db.url);
    const held = gate();
    let runs = 0;
    const fn: TaskFunction = async (ctx, handle) => {
      runs += 1;
      const run = runs;
      handle.log.info(`run ${run} of attempt ${handle.attempt}`);
      // Logged while shutdown aborts the body: only the shutdown's own write can keep it.
      handle.signal.addEventListener('abort', () => handle.log.warn(`run ${run} aborted`));
      if (run === 1) await held.wait;
    };
    oneTask(first, 'handed_over', fn);
    const handle = await first.executeAsync('handed_over');
    await waitFor(() => runs === 1, 5_000, 'the first run to start');
    await stopRunner(first, { graceful: false });
    const second = await createRunner({}, db.url);
    oneTask(second, 'handed_over', fn);
    const result = await second.waitForExecution(handle.executionId, '10s');
    expect(result.status).toBe('Completed');
    const log = await second.getTaskLogs(handle.executionId, 'work');
    expect(log.attempts).toBe(1);
    expect(log.lines.map((l) => [l.seq, l.message])).toEqual([
      [1, 'run 1 of attempt 1'],
      [2, 'run 1 aborted'],
      [3, 'run 2 of attempt 1'],
    ]);
    expect(log.truncated).toBe(false);
    held.open();
    await stopRunner(second);
  });
});
