/**
 * Task concurrency limits across processes: runner processes on one database share a task's
 * places exactly, and a place held by a killed runner frees once its claim is swept. Every
 * `call` body prints its start and end (wall clock, one machine), so "never more than the
 * limit at once" is checked from what really ran.
 */
import { describe, expect, it } from 'vitest';
import { Client, ManualClock } from '../../src/index.js';
import { createRunner, freshDatabase, stopRunner, type FreshDatabase } from '../helpers/backend.js';
import { spawnTsx, type Child } from '../helpers/child.js';
import { waitFor } from '../helpers/wait.js';
import { rateLimited } from './task-limit-fixtures.js';

interface Span {
  n: number;
  start: number;
  end: number;
  label: string;
}

function spansOf(children: readonly Child[]): Span[] {
  return children.flatMap((child) =>
    child.lines(/^span /).map((line) => {
      const [, n, start, end, label] = line.split(' ');
      return { n: Number(n), start: Number(start), end: Number(end), label: label! };
    }),
  );
}

/** The most spans running at one instant (an end at the same ms as a start comes first). */
function mostAtOnce(spans: readonly Span[]): number {
  const edges = spans.flatMap((s) => [
    { at: s.start, delta: 1 },
    { at: s.end, delta: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let now = 0;
  let most = 0;
  for (const edge of edges) {
    now += edge.delta;
    most = Math.max(most, now);
  }
  return most;
}

/**
 * Schedules `count` executions of `rate-limited` to start in 2 s, from a runner in this process
 * that stops before then: every body runs in the runner processes. A client stays to wait for
 * them.
 */
async function scheduleAll(
  db: FreshDatabase,
  limit: number,
  count: number,
): Promise<{ client: Client; ids: string[] }> {
  // The scheduling runner's clock stands still, so every start is still ahead of it however
  // long scheduling takes on a loaded machine: it runs none of them.
  const now = Date.now();
  const setup = await createRunner({ clock: new ManualClock(now) }, db.url);
  setup.register(rateLimited(limit, 0));
  const runAt = new Date(now + 2_000);
  const ids: string[] = [];
  for (let n = 0; n < count; n++) {
    ids.push((await setup.executeAsync('rate-limited', { n }, { runAt })).executionId);
  }
  await stopRunner(setup);
  return { client: await Client.connect(db.url), ids };
}

function spawnRunner(
  db: FreshDatabase,
  label: string,
  limit: number,
  bodyMs: number,
  slots: number,
  hold = false,
): Child {
  return spawnTsx('test/engine/task-limit-child.ts', [
    db.url,
    db.schema ?? '',
    label,
    String(limit),
    String(bodyMs),
    String(slots),
    hold ? 'hold' : '',
  ]);
}

describe('task concurrency limits across processes', () => {
  it('two runner processes run 20 calls with a limit of 2: never more than 2 at once', async () => {
    const db = freshDatabase();
    const { client, ids } = await scheduleAll(db, 2, 20);
    // `a` runs one call at a time; `b` has four slots, so only the limit keeps it to the place
    // `a` leaves. `b` claims once `a` holds a place: a runner that frees a place takes it
    // again in the same transaction, so whoever took both places first would keep them.
    const [a, b] = [spawnRunner(db, 'a', 2, 150, 1), spawnRunner(db, 'b', 2, 150, 4, true)];
    const children = [a, b];
    try {
      await Promise.all(children.map((child) => child.line(/^ready /)));
      await a.line(/^start /);
      b.send('go');
      const results = await Promise.all(ids.map((id) => client.waitForExecution(id, '90s')));
      expect(results.filter((r) => r.status !== 'Completed')).toEqual([]);
    } finally {
      for (const child of children) child.send('stop');
      await Promise.all(children.map((child) => child.exited()));
      await client.close();
    }
    const spans = spansOf(children);
    expect(spans.map((s) => s.n).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, n) => n),
    );
    // The limit held, and was used: two calls did run at once.
    expect(mostAtOnce(spans)).toBe(2);
    // Both processes took places, and `b` never more than the one `a` left.
    expect(new Set(spans.map((s) => s.label))).toEqual(new Set(['a', 'b']));
  }, 120_000);

  it('a place held by a killed runner frees once its claim is swept, not before', async () => {
    const db = freshDatabase();
    const { client, ids } = await scheduleAll(db, 1, 2);
    // The first runner takes the one place and dies in the middle of the call.
    const victim = spawnRunner(db, 'victim', 1, 60_000, 4);
    const starts: { n: number; at: number }[] = [];
    let survivor: Awaited<ReturnType<typeof createRunner>> | undefined;
    try {
      const [, held] = (await victim.line(/^start /)).split(' ');
      victim.process.kill('SIGKILL');
      await victim.exited().catch(() => undefined);
      survivor = await createRunner(
        {
          staleClaimThreshold: '1s',
          staleClaimSweepInterval: '100ms',
          heartbeatInterval: '100ms',
        },
        db.url,
      );
      survivor.register(
        rateLimited(1, 20, undefined, (n, at) => {
          starts.push({ n, at });
        }),
      );
      const results = await Promise.all(ids.map((id) => client.waitForExecution(id, '60s')));
      expect(results.filter((r) => r.status !== 'Completed')).toEqual([]);
      // The killed runner's call was recovered; no call ran here before that.
      const heldId = ids[Number(held)]!;
      const recovered = (await client.getExecutionEvents(heldId)).find(
        (e) => e.type === 'task_recovered' && e.taskId === 'call',
      );
      expect(recovered, 'the held call was swept back to Ready').toBeDefined();
      // The other call waited for the place: the killed runner never took it.
      const otherId = ids.find((id) => id !== heldId)!;
      const otherEvents = await client.getExecutionEvents(otherId);
      expect(otherEvents.filter((e) => e.taskId === 'call').map((e) => e.type)).not.toContain(
        'task_recovered',
      );
      await waitFor(() => starts.length === 2);
      expect(Math.min(...starts.map((s) => s.at))).toBeGreaterThanOrEqual(recovered!.createdAtMs);
    } finally {
      if (survivor !== undefined) await stopRunner(survivor);
      await client.close();
    }
  }, 120_000);
});
