/**
 * Keyset pages of the other lists — stored workflows, trigger schedules and history, cron
 * schedules and history — on the runner and on the client: each walk returns what the array
 * read returns, in the same order, each row once (with ties in a millisecond from a manual
 * clock), and each list refuses the cursors of the others.
 */
import { describe, expect, it } from 'vitest';
import {
  Client,
  InvalidCursorError,
  ManualClock,
  defineTrigger,
  TriggerResult,
  task,
  workflow,
  type DefaultRunner,
  type Page,
  type PageOptions,
} from '../../src/index.js';
import { createRunner, freshDatabase, stopRunner } from '../helpers/backend.js';
import { waitFor } from '../helpers/wait.js';

const T0 = Date.parse('2026-01-01T00:00:30Z');
const MIN = 60_000;

/** Every item of a list, walked page by page; fails on a repeated item or an empty page. */
async function walk<T>(
  read: (options: PageOptions) => Promise<Page<T>>,
  limit: number,
  keyOf: (item: T) => string,
): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set<string>();
  let cursor: string | null = null;
  for (let pages = 0; ; pages++) {
    const page: Page<T> = await read({ limit, cursor });
    if (page.nextCursor !== null) expect(page.items.length).toBe(limit);
    if (pages > 0) expect(page.items.length).toBeGreaterThan(0);
    for (const item of page.items) {
      expect(seen.has(keyOf(item)), `${keyOf(item)} listed twice`).toBe(false);
      seen.add(keyOf(item));
      items.push(item);
    }
    if (page.nextCursor === null) return items;
    cursor = page.nextCursor;
  }
}

/** What the tests list: 5 workflows, 5 triggers (2 disabled), 5 cron schedules (2 disabled). */
interface Scene {
  readonly runner: DefaultRunner;
  readonly client: Client;
  /** A trigger fired 7 times, 3 of them in one millisecond. */
  readonly fired: string;
  /** A cron schedule that ran 5 times. */
  readonly ticking: string;
  /** A cron schedule that never ran. */
  readonly idle: string;
}

async function scene(): Promise<Scene> {
  const db = freshDatabase();
  const clock = new ManualClock(T0);
  const runner = await createRunner(
    { clock, cronPollInterval: '20ms', enableTriggerScheduling: false },
    db.url,
  );
  const client = await Client.connect(db.url);
  for (const name of ['w5', 'w1', 'w4', 'w2', 'w3']) {
    runner.register(workflow({ name, tasks: [task({ id: 'a' }, () => undefined)] }));
  }
  await waitFor(async () => (await client.listWorkflows()).length === 5, 10_000, 'definitions');
  for (const name of ['t-c', 't-a', 't-e', 't-b', 't-d']) {
    const trigger = defineTrigger({ name, pollInterval: '1h', allowConcurrent: true }, () =>
      TriggerResult.skip(),
    );
    await runner.registerTrigger(trigger, 'w1');
  }
  await runner.setTriggerEnabled('t-b', false);
  await client.setTriggerEnabled('t-e', false);
  for (let i = 0; i < 7; i++) {
    await runner.fireTrigger('t-a', { n: i });
    if (i % 3 === 2) clock.advance(1);
  }
  // Four schedules registered in one millisecond, one later; two disabled.
  const yearly: string[] = [];
  for (let i = 0; i < 4; i++) yearly.push(await runner.registerCronWorkflow('w3', '0 0 1 1 *'));
  const ticking = await runner.registerCronWorkflow('w2', '* * * * *', 'UTC', {
    catchupPolicy: 'run_all',
  });
  await runner.setCronScheduleEnabled(yearly[1]!, false);
  await client.setCronScheduleEnabled(yearly[3]!, false);
  clock.advance(5 * MIN);
  await waitFor(
    async () => {
      const history = await runner.getCronExecutionHistory(ticking);
      return history.length === 5 && history.every((h) => h.status === 'completed');
    },
    10_000,
    'five cron runs',
  );
  return { runner, client, fired: 't-a', ticking, idle: yearly[0]! };
}

describe('keyset pages of workflows, triggers and cron schedules', () => {
  it('walks every list once, in the order of its array read, on the runner and the client', async () => {
    const { runner, client, fired, ticking, idle } = await scene();
    try {
      const workflows = await walk(
        (o) => client.listWorkflowsPage(o),
        2,
        (w) => w.name,
      );
      expect(workflows.map((w) => w.name)).toEqual(['w1', 'w2', 'w3', 'w4', 'w5']);
      expect(workflows).toEqual(await client.listWorkflows());

      for (const list of [runner, client]) {
        for (const enabledOnly of [false, true]) {
          const triggers = await walk(
            (o) => list.listTriggerSchedulesPage({ ...o, enabledOnly }),
            2,
            (t) => t.triggerName,
          );
          expect(triggers).toEqual(await list.listTriggerSchedules({ enabledOnly }));
          expect(triggers.map((t) => t.triggerName)).toEqual(
            enabledOnly ? ['t-a', 't-c', 't-d'] : ['t-a', 't-b', 't-c', 't-d', 't-e'],
          );

          const crons = await walk(
            (o) => list.listCronSchedulesPage({ ...o, enabledOnly }),
            2,
            (c) => c.id,
          );
          expect(crons).toEqual(await list.listCronSchedules({ enabledOnly }));
          expect(crons.length).toBe(enabledOnly ? 3 : 5);
        }

        const fires = await walk(
          (o) => list.getTriggerExecutionHistoryPage(fired, o),
          2,
          (h) => h.id,
        );
        expect(fires).toEqual(await list.getTriggerExecutionHistory(fired));
        expect(fires.length).toBe(7);
        expect(new Set(fires.map((h) => h.startedAt.getTime())).size).toBe(3);

        const runs = await walk(
          (o) => list.getCronExecutionHistoryPage(ticking, o),
          2,
          (h) => h.id,
        );
        expect(runs).toEqual(await list.getCronExecutionHistory(ticking));
        expect(runs.map((h) => h.scheduledTime.toISOString())).toEqual([
          '2026-01-01T00:05:00.000Z',
          '2026-01-01T00:04:00.000Z',
          '2026-01-01T00:03:00.000Z',
          '2026-01-01T00:02:00.000Z',
          '2026-01-01T00:01:00.000Z',
        ]);

        // Unknown names and ids have empty histories, as in the array reads.
        const empty = { items: [], nextCursor: null };
        expect(await list.getTriggerExecutionHistoryPage('t-none')).toEqual(empty);
        expect(await list.getCronExecutionHistoryPage(idle)).toEqual(empty);
      }
    } finally {
      await client.close();
      await stopRunner(runner);
    }
  });

  it('refuses the cursors of other lists, other filters and other schedules', async () => {
    const { runner, client, fired, ticking } = await scene();
    try {
      const first = async (page: Promise<Page<unknown>>): Promise<string> => {
        const cursor = (await page).nextCursor;
        expect(cursor).toEqual(expect.any(String));
        return cursor!;
      };
      const cursors = {
        workflows: await first(client.listWorkflowsPage({ limit: 1 })),
        triggers: await first(client.listTriggerSchedulesPage({ limit: 1 })),
        enabledTriggers: await first(
          client.listTriggerSchedulesPage({ limit: 1, enabledOnly: true }),
        ),
        fires: await first(client.getTriggerExecutionHistoryPage(fired, { limit: 1 })),
        crons: await first(client.listCronSchedulesPage({ limit: 1 })),
        runs: await first(client.getCronExecutionHistoryPage(ticking, { limit: 1 })),
      };
      const reads: Record<keyof typeof cursors, (cursor: string) => Promise<unknown>> = {
        workflows: (cursor) => client.listWorkflowsPage({ cursor }),
        triggers: (cursor) => runner.listTriggerSchedulesPage({ cursor }),
        enabledTriggers: (cursor) => client.listTriggerSchedulesPage({ cursor, enabledOnly: true }),
        fires: (cursor) => runner.getTriggerExecutionHistoryPage(fired, { cursor }),
        crons: (cursor) => client.listCronSchedulesPage({ cursor }),
        runs: (cursor) => runner.getCronExecutionHistoryPage(ticking, { cursor }),
      };
      for (const [list, read] of Object.entries(reads)) {
        for (const [from, cursor] of Object.entries(cursors)) {
          const outcome = await read(cursor).catch((e: unknown) => e);
          if (from === list) expect(outcome, `${from} in ${list}`).not.toBeInstanceOf(Error);
          else expect(outcome, `${from} in ${list}`).toBeInstanceOf(InvalidCursorError);
        }
        expect(await read('garbage').catch((e: unknown) => e)).toBeInstanceOf(InvalidCursorError);
      }
      // The same kind of list, for another trigger or schedule.
      const otherFires = await client
        .getTriggerExecutionHistoryPage('t-c', { cursor: cursors.fires })
        .catch((e: unknown) => e);
      expect(otherFires).toBeInstanceOf(InvalidCursorError);
      const idle = (await client.listCronSchedules()).find((c) => c.id !== ticking)!.id;
      const otherRuns = await runner
        .getCronExecutionHistoryPage(idle, { cursor: cursors.runs })
        .catch((e: unknown) => e);
      expect(otherRuns).toBeInstanceOf(InvalidCursorError);
    } finally {
      await client.close();
      await stopRunner(runner);
    }
  });
});
