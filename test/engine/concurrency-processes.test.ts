/**
 * Workflow concurrency across processes: runner processes on one database share each group's
 * places exactly, also while some of them are killed with SIGKILL. Every task body prints its
 * start and end (wall clock, one machine), so "never two of one key at once" is checked from
 * what really ran, and "first in, first out" from the order the bodies started in.
 */
import { describe, expect, it } from 'vitest';
import type { DefaultRunner } from '../../src/index.js';
import { createRunner, freshDatabase, stopRunner, type FreshDatabase } from '../helpers/backend.js';
import { spawnTsx, type Child } from '../helpers/child.js';
import { perKey } from './concurrency-fixtures.js';

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

/** Schedules `count` executions over `keys` keys from a runner that claims nothing. */
async function scheduleAll(
  db: FreshDatabase,
  count: number,
  keys: number,
): Promise<{ setup: DefaultRunner; ids: string[] }> {
  const setup = await createRunner({ enableClaiming: false }, db.url);
  setup.register(perKey());
  const ids: string[] = [];
  for (let n = 0; n < count; n++) {
    ids.push((await setup.executeAsync('per-key', { key: `k${n % keys}`, n })).executionId);
  }
  return { setup, ids };
}

function spawnRunner(db: FreshDatabase, label: string): Child {
  return spawnTsx('test/engine/concurrency-child.ts', [db.url, db.schema ?? '', label]);
}

describe('workflow concurrency across processes', () => {
  it('three runner processes run 300 executions over 10 keys one at a time per key, in order', async () => {
    const db = freshDatabase();
    const { setup, ids } = await scheduleAll(db, 300, 10);
    const children = ['a', 'b', 'c'].map((label) => spawnRunner(db, label));
    try {
      await Promise.all(children.map((child) => child.line(/^ready /)));
      const results = await Promise.all(ids.map((id) => setup.waitForExecution(id, '90s')));
      expect(results.filter((r) => r.status !== 'Completed')).toEqual([]);
    } finally {
      for (const child of children) child.send('stop');
      await Promise.all(children.map((child) => child.exited()));
      await stopRunner(setup);
    }
    const spans = spansOf(children);
    expect(spans.map((s) => s.n).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 300 }, (_, n) => n),
    );
    for (const ofKey of checkOneAtATime(spans).values()) {
      expect(ofKey.map((s) => s.n)).toEqual([...ofKey.map((s) => s.n)].sort((a, b) => a - b));
    }
    // The work was shared: more than one process ran bodies.
    expect(new Set(spans.map((s) => s.label)).size).toBeGreaterThan(1);
  }, 120_000);

  it('a runner killed while holding places frees them after recovery; five kills, no drift', async () => {
    const db = freshDatabase();
    const { setup, ids } = await scheduleAll(db, 100, 5);
    const children: Child[] = [];
    /** The runner in each of three slots; a killed one is replaced in its slot. */
    const live: Child[] = [];
    const start = (slot: number, label: string): Child => {
      const child = spawnRunner(db, label);
      children.push(child);
      live[slot] = child;
      return child;
    };
    ['a', 'b', 'c'].forEach((label, slot) => start(slot, label));
    try {
      await Promise.all(live.map((child) => child.line(/^ready /)));
      const all = Promise.all(ids.map((id) => setup.waitForExecution(id, '90s')));
      for (let kill = 0; kill < 5; kill++) {
        // Kill a runner while a body it started runs, then start another in its place.
        const slot = kill % 3;
        const victim = live[slot]!;
        const label = victim.process.spawnargs.at(-1)!;
        await victim.line(new RegExp(`^start \\S+ \\d+ \\d+ ${label}$`));
        victim.process.kill('SIGKILL');
        await victim.exited().catch(() => undefined);
        await start(slot, `r${kill}`).line(/^ready /);
      }
      const results = await all;
      expect(results.filter((r) => r.status !== 'Completed')).toEqual([]);
      // Nothing is left holding or waiting for a place.
      const open = await setup.listExecutions({ workflowName: 'per-key', limit: 200 });
      expect(open.filter((r) => r.status !== 'Completed')).toEqual([]);
    } finally {
      for (const child of live) child.send('stop');
      await Promise.all(live.map((child) => child.exited().catch(() => undefined)));
      await stopRunner(setup);
    }
    const spans = spansOf(children);
    checkOneAtATime(spans);
    expect(new Set(spans.map((s) => s.n)).size).toBe(100);
  }, 120_000);
});
