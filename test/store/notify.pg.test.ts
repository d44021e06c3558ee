/**
 * Cross-process wake-ups on PostgreSQL: a commit in one runner process wakes a runner in another
 * process well before its poll tick, and the LISTEN connection comes back after it is killed.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CommitNotice, WakeChannel } from '../../src/store/db.js';
import { PgDb } from '../../src/store/postgres/pg-db.js';
import { createRunner, freshDatabase, stopRunner } from '../helpers/backend.js';
import { spawnTsx } from '../helpers/child.js';
import { PG_URL, pgAdmin } from '../helpers/pg.js';
import { wakeWorkflow } from './fixtures/wake-workflow.js';

const runnerChild = fileURLToPath(new URL('./fixtures/runner-child.ts', import.meta.url));

/** Records commit notices and lets a test await the next one that matches. */
function noticeRecorder(db: PgDb) {
  const seen: CommitNotice[] = [];
  const waiting = new Set<{
    match: (n: CommitNotice) => boolean;
    resolve: (n: CommitNotice) => void;
  }>();
  db.onCommit((notice) => {
    seen.push(notice);
    for (const waiter of waiting) {
      if (waiter.match(notice)) {
        waiting.delete(waiter);
        waiter.resolve(notice);
      }
    }
  });
  return {
    seen,
    next: (match: (n: CommitNotice) => boolean) =>
      new Promise<CommitNotice>((resolve) => waiting.add({ match, resolve })),
  };
}

/** A logger whose messages a test can await. */
function awaitableLogger() {
  const waiting = new Set<{ pattern: RegExp; resolve: () => void }>();
  const log = (_obj: unknown, msg?: string): void => {
    for (const waiter of waiting) {
      if (waiter.pattern.test(msg ?? '')) {
        waiting.delete(waiter);
        waiter.resolve();
      }
    }
  };
  return {
    logger: { info: log, warn: log },
    message: (pattern: RegExp) => new Promise<void>((resolve) => waiting.add({ pattern, resolve })),
  };
}

/** The server pid of the connection named `name` whose last statement was a LISTEN. */
async function listenerPid(name: string): Promise<number | undefined> {
  const rows = await pgAdmin<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'LISTEN %'`,
    [name],
  );
  expect(rows.length).toBeLessThanOrEqual(1);
  return rows[0]?.pid;
}

describe('PostgreSQL LISTEN/NOTIFY', () => {
  it('a task made Ready by runner A is started by runner B in another process before its poll tick', async () => {
    const { url, schema } = freshDatabase();
    // B polls every 10 s: starting a task sooner proves the NOTIFY woke it.
    const b = spawnTsx(runnerChild, [url, schema!]);
    await b.line(/^ready$/);

    let releaseA!: () => void;
    const aReleased = new Promise<void>((resolve) => (releaseA = resolve));
    const startedOnA: string[] = [];
    // A has one slot and its task blocks until B has started one, so B must start at least one.
    const a = await createRunner({ maxConcurrentTasks: 1, schedulerPollInterval: '10s' }, url);
    a.register(
      wakeWorkflow(async (taskId) => {
        startedOnA.push(taskId);
        await aReleased;
      }),
    );
    const scheduledAt = Date.now();
    const handle = await a.executeAsync('wake');
    await b.line(/^started /);
    const latencyMs = Date.now() - scheduledAt;
    // Half the poll tick: generous for a loaded machine, impossible without the notification.
    expect(latencyMs).toBeLessThan(5_000);

    releaseA();
    b.send('release');
    // Whichever process finishes last completes the workflow; A learns of a completion by B
    // through the 'executions' notification.
    const result = await handle.wait();
    expect(result.status).toBe('Completed');
    // B may have taken both tasks (its notification can beat A's own wake-up); each ran once.
    const leftToB = ['a', 'b'].filter((id) => !startedOnA.includes(id));
    await Promise.all(leftToB.map((id) => b.line(new RegExp(`^started ${id}$`))));
    expect(startedOnA.length + b.lines(/^started /).length).toBe(2);

    await stopRunner(a);
    b.send('stop');
    await b.exited();
  }, 30_000);

  it('reconnects the LISTEN connection after it is killed and hears other processes again', async () => {
    const { schema } = freshDatabase();
    const { logger, message } = awaitableLogger();
    // Named in pg_stat_activity, where the test finds its LISTEN connection as an operator would.
    const name = `${schema!}_listening`;
    const named = new URL(PG_URL);
    named.searchParams.set('application_name', name);
    const listening = new PgDb({ url: named.toString(), poolSize: 2, schema, logger });
    const other = new PgDb({ url: PG_URL, poolSize: 2, schema });
    try {
      await listening.migrate();
      await other.migrate();
      const notices = noticeRecorder(listening);

      // Before the kill: a commit of the other handle arrives as a remote notice.
      const first = notices.next((n) => n.remote && n.channels.has('tasks'));
      await other.transaction(async (tx) => tx.signal('tasks'));
      expect((await first).events).toEqual([]);

      const pid = await listenerPid(name);
      expect(pid).toBeDefined();
      const lost = message(/LISTEN connection lost/);
      const back = message(/re-established/);
      // Notifications sent while disconnected are lost: after reconnecting the handle announces
      // every channel once so the engine looks for work at once (and feed readers read).
      const catchUp = notices.next(
        (n) =>
          n.remote &&
          ['tasks', 'executions', 'triggers', 'cron', 'events'].every((channel) =>
            n.channels.has(channel as WakeChannel),
          ),
      );
      await pgAdmin('SELECT pg_terminate_backend($1)', [pid]);
      await lost;
      await back;
      await catchUp;
      const reconnected = await listenerPid(name);
      expect(reconnected).toBeDefined();
      expect(reconnected).not.toBe(pid);

      // After the reconnect: own commits are announced locally only, others' remotely.
      const own = notices.next((n) => !n.remote && n.channels.has('cron'));
      await listening.transaction(async (tx) => tx.signal('cron'));
      await own;
      const again = notices.next((n) => n.remote && n.channels.has('triggers'));
      await other.transaction(async (tx) => tx.signal('triggers'));
      await again;
      // NOTIFY is delivered in commit order, so an echo of the own commit would have come first.
      expect(
        notices.seen.filter((n) => n.remote && n.channels.has('cron') && n.channels.size === 1),
      ).toEqual([]);
    } finally {
      await listening.close();
      await other.close();
      await listening.close();
    }
  });
});
