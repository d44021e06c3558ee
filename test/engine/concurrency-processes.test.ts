/**
 * Workflow concurrency across processes: runner processes on one database share each group's
 * places exactly, also while some of them are killed with SIGKILL. Every task body prints its
 * start and end (wall clock, one machine), so "never two of one key at once" is checked from
 * what really ran, and "first in, first out" from the order the bodies started in.
 */
import { describe, expect, it } from 'vitest';
import { Client, ManualClock } from '../../src/index.js';
import { createRunner, freshDatabase, stopRunner, type FreshDatabase } from '../helpers/backend.js';
import { spawnTsx, type Child } from '../helpers/child.js';
import { perKey } from './concurrency-fixtures.js';
import { rawQuery } from '../helpers/raw.js';

interface Span {
  key: string;
  n: number;
  start: number;
  end: number;
  label: string;
}

function spansOf(children: readonly Child[]): Span[] {
  return children.flatMap((child) =>
    child.lines(/^span /).map((line) => {
      const [, key, n, start, end, label] = line.split(' ');
      return { key: key!, n: Number(n), start: Number(start), end: Number(end), label: label! };
    }),
  );
}

/** Spans of each key, in start order; fails when two of one key overlap. */
function checkOneAtATime(spans: readonly Span[]): Map<string, Span[]> {
  const byKey = new Map<string, Span[]>();
  for (const span of spans) byKey.set(span.key, [...(byKey.get(span.key) ?? []), span]);
  for (const [key, ofKey] of byKey) {
    ofKey.sort((a, b) => a.start - b.start || a.end - b.end);
    for (let i = 1; i < ofKey.length; i++) {
      const [before, after] = [ofKey[i - 1]!, ofKey[i]!];
      expect(
        after.start,
        `key ${key}: #${after.n} started before #${before.n} had ended`,
      ).toBeGreaterThanOrEqual(before.end);
    }
  }
  return byKey;
}

/**
 * Schedules `count` executions over `keys` keys to start in 3 s, from a runner in this process
 * that stops before then: every body runs in the runner processes, admitted first by their
 * periodic pass (the start time came) and then by the ends that free places. A client stays to
 * wait for them.
 */
async function scheduleAll(
  db: FreshDatabase,
  count: number,
  keys: number,
): Promise<{ client: Client; ids: string[] }> {
  // The scheduling runner's clock stands still, so every start is still ahead of it however
  // long scheduling takes on a loaded machine: it admits and runs none of them.
  const now = Date.now();
  const setup = await createRunner({ clock: new ManualClock(now) }, db.url);
  setup.register(perKey());
  const runAt = new Date(now + 3_000);
  const ids: string[] = [];
  for (let n = 0; n < count; n++) {
    const context = { key: `k${n % keys}`, n };
    ids.push((await setup.executeAsync('per-key', context, { runAt })).executionId);
  }
  await stopRunner(setup);
  const client = await Client.connect(db.url);
  return { client, ids };
}

function spawnRunner(db: FreshDatabase, label: string, bodyMs: number): Child {
  return spawnTsx('test/engine/concurrency-child.ts', [
    db.url,
    db.schema ?? '',
    label,
    String(bodyMs),
  ]);
}

function running(child: Child): boolean {
  return child.process.exitCode === null && child.process.signalCode === null;
}

/** The slot of the first runner in `live` to start a body it had not started; -1 after 20 s. */
async function nextStart(live: readonly Child[]): Promise<number> {
  const seen = live.map((child) => child.lines(/^start /).length);
  for (let waited = 0; waited < 20_000; waited += 5) {
    const slot = live.findIndex((child, i) => child.lines(/^start /).length > seen[i]!);
    if (slot >= 0) return slot;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return -1;
}

describe('workflow concurrency across processes', () => {
  it('three runner processes run 300 executions over 10 keys one at a time per key, in order', async () => {
    const db = freshDatabase();
    const { client, ids } = await scheduleAll(db, 300, 10);
    const children = ['a', 'b', 'c'].map((label) => spawnRunner(db, label, 5));
    try {
      await Promise.all(children.map((child) => child.line(/^ready /)));
      const results = await Promise.all(ids.map((id) => client.waitForExecution(id, '90s')));
      expect(results.filter((r) => r.status !== 'Completed')).toEqual([]);
    } finally {
      for (const child of children) child.send('stop');
      await Promise.all(children.map((child) => child.exited()));
      await client.close();
    }
    const spans = spansOf(children);
    expect(spans.map((s) => s.n).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 300 }, (_, n) => n),
    );
    for (const ofKey of checkOneAtATime(spans).values()) {
      expect(ofKey.map((s) => s.n)).toEqual([...ofKey.map((s) => s.n)].sort((a, b) => a - b));
    }
    // The work was shared: more than one of the three processes ran bodies.
    const labels = new Set(spans.map((s) => s.label));
    expect(labels.size).toBeGreaterThan(1);
  }, 120_000);

  it('runners killed while holding places free them after recovery; five kills, no drift', async () => {
    const db = freshDatabase();
    const { client, ids } = await scheduleAll(db, 160, 4);
    const children: Child[] = [];
    /** The runner in each of three slots; a killed one is replaced in its slot. */
    const live: Child[] = [];
    const start = (slot: number, label: string): Child => {
      const child = spawnRunner(db, label, 150);
      children.push(child);
      live[slot] = child;
      return child;
    };
    ['a', 'b', 'c'].forEach((label, slot) => start(slot, label));
    try {
      await Promise.all(live.map((child) => child.line(/^ready /)));
      const all = Promise.all(ids.map((id) => client.waitForExecution(id, '90s')));
      for (let kill = 0; kill < 5; kill++) {
        // Kill a runner while a body it started runs, then start another in its place.
        // The runner that starts a body next dies in the middle of it.
        const slot = await nextStart(live);
        expect(slot, 'a runner started a body').toBeGreaterThanOrEqual(0);
        const victim = live[slot]!;
        victim.process.kill('SIGKILL');
        await victim.exited().catch(() => undefined);
        start(slot, `r${kill}`);
      }
      const results = await all;
      expect(results.filter((r) => r.status !== 'Completed')).toEqual([]);
      // Nothing is left holding or waiting for a place.
      const open = await client.listExecutions({ workflowName: 'per-key', limit: 200 });
      expect(open.filter((r) => r.status !== 'Completed')).toEqual([]);
      // And the stored counts of places agree: no group counts a place held.
      const held = await rawQuery<{ concurrency_key: string; n: number }>(
        db,
        `SELECT concurrency_key, SUM(active) AS n FROM concurrency_counts
         GROUP BY concurrency_key HAVING SUM(active) <> 0`,
      );
      expect(held).toEqual([]);
    } finally {
      for (const child of live) if (running(child)) child.send('stop');
      await Promise.all(live.map((child) => child.exited().catch(() => undefined)));
      await client.close();
    }
    const spans = spansOf(children);
    checkOneAtATime(spans);
    expect(new Set(spans.map((s) => s.n)).size).toBe(160);
  }, 120_000);
});
