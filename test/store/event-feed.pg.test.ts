/**
 * The event feed on PostgreSQL, where transactions commit out of id order: a read never moves
 * past an event that can still commit before it, whatever order ids were taken and transactions
 * committed in; and other processes hear of appended events through NOTIFY.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, task, workflow, type FeedEvent } from '../../src/index.js';
import { createRunner, freshDatabase, stopRunner } from '../helpers/backend.js';
import { PG_URL, pgAdmin } from '../helpers/pg.js';
import { waitFor } from '../helpers/wait.js';

/** Connections opened by a test, ended after it (a failed test must not leave one open). */
const open: pg.Client[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.end().catch(() => undefined)));
});

async function connect(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  open.push(client);
  return client;
}

/** Inserts an event of execution `executionId` as the engine does (tx_id by default). */
async function insertEvent(
  connection: pg.Client,
  schema: string,
  executionId: string,
  id?: number,
): Promise<number> {
  const { rows } = await connection.query<{ id: string }>(
    `INSERT INTO "${schema}".execution_events
       (${id === undefined ? '' : 'id, '}execution_id, event_type, runner_id, created_at_ms)
     VALUES (${id === undefined ? '' : `${id}, `}$1, 'workflow_started', 'race', 1) RETURNING id`,
    [executionId],
  );
  return Number(rows[0]!.id);
}

/** Reads from `after` until `count` events came back, in as many reads as it takes. */
async function readOn(
  client: Client,
  after: string,
  count: number,
): Promise<{ events: FeedEvent[]; cursor: string }> {
  const events: FeedEvent[] = [];
  let cursor = after;
  await waitFor(
    async () => {
      const page = await client.readEvents({ after: cursor });
      events.push(...page.events);
      cursor = page.cursor;
      return events.length >= count;
    },
    10_000,
    `${count} events`,
  );
  return { events, cursor };
}

describe('event feed on PostgreSQL', () => {
  it('holds back an event committed while an older writer is open, then returns both in order', async () => {
    const { url, schema } = freshDatabase();
    await using client = await Client.connect(url);
    const start = (await client.readEvents()).cursor;
    const first = await connect();
    const second = await connect();

    // The first writer takes its id (and transaction id) and stays open.
    await first.query('BEGIN');
    const firstId = await insertEvent(first, schema!, 'race-1');
    // A later writer commits.
    await second.query('BEGIN');
    const secondId = await insertEvent(second, schema!, 'race-2');
    await second.query('COMMIT');
    expect(secondId).toBeGreaterThan(firstId);
    const committed = await pgAdmin(`SELECT id FROM "${schema}".execution_events WHERE id = $1`, [
      secondId,
    ]);
    expect(committed).toHaveLength(1);

    // Committed and visible, yet not in the feed: the first could still commit before it.
    const early = await client.readEvents({ after: start });
    expect(early).toEqual({ events: [], cursor: start });
    expect((await client.readEvents()).events).toEqual([]);

    await first.query('COMMIT');
    // Both in one read once both writers are below the horizon, in (transaction, id) order.
    const both = await waitFor(
      async () => {
        const page = await client.readEvents({ after: start });
        return page.events.length >= 2 ? page : null;
      },
      10_000,
      'both events in one read',
    );
    expect(both.events.map((e) => e.executionId)).toEqual(['race-1', 'race-2']);
    // The reader that read before the commit, with its cursor, gets both and nothing twice.
    const reader = await readOn(client, early.cursor, 2);
    expect(reader.events).toEqual(both.events);
    expect((await client.readEvents({ after: reader.cursor })).events).toEqual([]);
  });

  it('does not skip an event whose id is below one a reader already passed', async () => {
    const { url, schema } = freshDatabase();
    await using client = await Client.connect(url);
    const start = (await client.readEvents()).cursor;
    const late = await connect();
    const other = await connect();

    // The late writer takes an id from the sequence (as an INSERT does before its row gets a
    // transaction id), then another writer takes a higher id and commits first.
    const { rows } = await late.query<{ id: string }>(
      `SELECT nextval(pg_get_serial_sequence('"${schema}".execution_events', 'id')) AS id`,
    );
    const lowId = Number(rows[0]!.id);
    const highId = await insertEvent(other, schema!, 'high');
    expect(highId).toBeGreaterThan(lowId);
    const seen = await readOn(client, start, 1);
    expect(seen.events.map((e) => e.executionId)).toEqual(['high']);

    // The lower id commits after the reader moved past the higher one: an id cursor would
    // skip it for ever; the feed returns it next.
    await late.query('BEGIN');
    await insertEvent(late, schema!, 'low', lowId);
    await late.query('COMMIT');
    const next = await readOn(client, seen.cursor, 1);
    expect(next.events.map((e) => e.executionId)).toEqual(['low']);
    const whole = await client.readEvents({ after: start });
    expect(whole.events.map((e) => e.executionId)).toEqual(['high', 'low']);
  });

  it('stamps every event the engine writes with its transaction, and leaves rows without one out', async () => {
    const { url, schema } = freshDatabase();
    const runner = await createRunner({}, url);
    runner.register(workflow({ name: 'one', tasks: [task({ id: 'a' }, () => undefined)] }));
    await using client = await Client.connect(url);
    // A row as written before the feed existed.
    await pgAdmin(
      `INSERT INTO "${schema}".execution_events
         (execution_id, event_type, created_at_ms, tx_id) VALUES ('legacy', 'workflow_started', 1, NULL)`,
    );
    const { executionId } = await runner.execute('one');
    const history = await client.getExecutionEvents(executionId);
    const events = await waitFor(async () => {
      const page = await client.readEvents();
      return page.events.length >= history.length ? page.events : null;
    });
    expect(events.map((e) => e.executionId)).toEqual(history.map(() => executionId));
    const unstamped = await pgAdmin<{ execution_id: string }>(
      `SELECT execution_id FROM "${schema}".execution_events WHERE tx_id IS NULL`,
    );
    expect(unstamped.map((row) => row.execution_id)).toEqual(['legacy']);
    await stopRunner(runner);
  });

  it('calls onEventsAppended for events another client committed (NOTIFY)', async () => {
    const { url } = freshDatabase();
    const runner = await createRunner({}, url);
    runner.register(workflow({ name: 'one', tasks: [task({ id: 'a' }, () => undefined)] }));
    await using listening = await Client.connect(url);
    await waitFor(async () => (await listening.getWorkflow('one')) !== null, 10_000, 'stored');
    await stopRunner(runner);

    await using writing = await Client.connect(url);
    let calls = 0;
    listening.onEventsAppended(() => (calls += 1));
    // Scheduling appends the root's task_ready event; the listening client wrote nothing.
    const handle = await writing.executeAsync('one');
    await waitFor(() => calls > 0, 10_000, 'the other client’s notification');
    const page = await waitFor(async () => {
      const read = await listening.readEvents({ executionId: handle.executionId });
      return read.events.length > 0 ? read : null;
    });
    expect(page.events[0]!.type).toBe('task_ready');
  });
});
