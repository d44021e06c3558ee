/**
 * Idempotent starts: one execution per workflow and idempotency key. A start with a key already
 * used returns the existing execution (`created: false`) and writes nothing, from a runner, a
 * client, or another start of the same scheduling batch; a bad key is refused before anything
 * is written.
 */
import { describe, expect, it } from 'vitest';
import {
  Client,
  ConfigError,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  task,
  workflow,
  type DefaultRunner,
  type Workflow,
} from '../../src/index.js';
import { createRunner, freshDatabase, stopRunner, type FreshDatabase } from '../helpers/backend.js';
import { rawQuery } from '../helpers/raw.js';

/** A one-task workflow counting its body's runs by execution id. */
function counted(name: string): { workflow: Workflow; runs: Map<string, number> } {
  const runs = new Map<string, number>();
  const only = task({ id: 'only' }, (ctx, handle) => {
    runs.set(handle.executionId, (runs.get(handle.executionId) ?? 0) + 1);
    ctx.set('ran', true);
  });
  return { workflow: workflow({ name, tasks: [only] }), runs };
}

/** Rows of the three tables a start writes, to show that a repeated start wrote none. */
async function rowCounts(db: FreshDatabase): Promise<number[]> {
  const counts: number[] = [];
  for (const table of ['workflow_executions', 'task_executions', 'execution_events']) {
    const [row] = await rawQuery<{ n: number | string }>(db, `SELECT COUNT(*) AS n FROM ${table}`);
    counts.push(Number(row!.n));
  }
  return counts;
}

async function withRunner(
  fn: (runner: DefaultRunner, db: FreshDatabase) => Promise<void>,
): Promise<void> {
  const db = freshDatabase();
  const runner = await createRunner({}, db.url);
  try {
    await fn(runner, db);
  } finally {
    await stopRunner(runner);
  }
}

describe('idempotent starts', () => {
  it('start one execution per key: the second start returns it, writes nothing, runs nothing', () =>
    withRunner(async (runner, db) => {
      const { workflow: wf, runs } = counted('orders');
      runner.register(wf);
      const first = await runner.executeAsync('orders', { n: 1 }, { idempotencyKey: 'order-1' });
      expect(first.created).toBe(true);
      const result = await first.wait();
      expect(result.status).toBe('Completed');
      expect(result.idempotencyKey).toBe('order-1');
      const before = await rowCounts(db);

      // Another context too: the key, not the context, names the execution.
      const second = await runner.executeAsync('orders', { n: 2 }, { idempotencyKey: 'order-1' });
      expect(second.created).toBe(false);
      expect(second.executionId).toBe(first.executionId);
      expect(await second.status()).toBe('Completed');
      expect(await rowCounts(db)).toEqual(before);

      const again = await runner.execute('orders', {}, { idempotencyKey: 'order-1' });
      expect(again.executionId).toBe(first.executionId);
      expect(again.finalContext.get('n')).toBe(1);
      expect([...runs.values()]).toEqual([1]);
      expect(await rowCounts(db)).toEqual(before);

      const [summary] = await runner.listExecutions({ workflowName: 'orders' });
      expect(summary?.idempotencyKey).toBe('order-1');
      const page = await runner.listExecutionsPage({ workflow: 'orders' });
      expect(page.items.map((s) => s.idempotencyKey)).toEqual(['order-1']);
    }));

  it('returns an execution still running, and leaves starts without a key alone', () =>
    withRunner(async (runner) => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      runner.register(workflow({ name: 'slow', tasks: [task({ id: 'wait' }, () => gate)] }));
      const first = await runner.executeAsync('slow', {}, { idempotencyKey: 'k' });
      const second = await runner.executeAsync('slow', {}, { idempotencyKey: 'k' });
      expect(second).toMatchObject({ executionId: first.executionId, created: false });
      expect(await second.status()).not.toBe('Completed');
      const unkeyed = await runner.executeAsync('slow', {});
      expect(unkeyed.created).toBe(true);
      expect(unkeyed.executionId).not.toBe(first.executionId);
      release();
      expect((await second.wait()).status).toBe('Completed');
      expect((await unkeyed.wait()).idempotencyKey).toBeUndefined();
    }));

  it('keys belong to a workflow: two workflows may use the same key', () =>
    withRunner(async (runner) => {
      const a = counted('a');
      const b = counted('b');
      runner.register(a.workflow).register(b.workflow);
      const ha = await runner.executeAsync('a', {}, { idempotencyKey: 'shared' });
      const hb = await runner.executeAsync('b', {}, { idempotencyKey: 'shared' });
      expect([ha.created, hb.created]).toEqual([true, true]);
      expect(ha.executionId).not.toBe(hb.executionId);
      await Promise.all([ha.wait(), hb.wait()]);
      expect([...a.runs.values(), ...b.runs.values()]).toEqual([1, 1]);
    }));

  it('one batch: starts sharing a key make one execution, an old key fails no other start', () =>
    withRunner(async (runner, db) => {
      const { workflow: wf, runs } = counted('batched');
      runner.register(wf);
      const old = await runner.executeAsync('batched', {}, { idempotencyKey: 'old' });
      await old.wait();
      // Started in one turn of the event loop: one scheduling transaction.
      const handles = await Promise.all([
        runner.executeAsync('batched', {}, { idempotencyKey: 'new' }),
        runner.executeAsync('batched', {}),
        runner.executeAsync('batched', {}, { idempotencyKey: 'old' }),
        runner.executeAsync('batched', {}, { idempotencyKey: 'new' }),
        runner.executeAsync('batched', {}, { idempotencyKey: 'new' }),
      ]);
      expect(handles.map((h) => h.created)).toEqual([true, true, false, false, false]);
      expect(handles[2].executionId).toBe(old.executionId);
      expect(new Set(handles.slice(3).map((h) => h.executionId))).toEqual(
        new Set([handles[0].executionId]),
      );
      await Promise.all(handles.map((h) => h.wait()));
      expect(await rowCounts(db)).toEqual([3, 3, expect.any(Number) as number]);
      expect([...runs.values()]).toEqual([1, 1, 1]);
    }));

  it('a client start and a runner start with one key share the execution', () =>
    withRunner(async (runner, db) => {
      const { workflow: wf, runs } = counted('shared');
      runner.register(wf);
      await runner.definitionsStored();
      const client = await Client.connect(db.url);
      try {
        const viaClient = await client.executeAsync('shared', {}, { idempotencyKey: 'c-1' });
        expect(viaClient.created).toBe(true);
        const viaRunner = await runner.executeAsync('shared', {}, { idempotencyKey: 'c-1' });
        expect(viaRunner).toMatchObject({ executionId: viaClient.executionId, created: false });
        const again = await client.executeAsync('shared', {}, { idempotencyKey: 'c-1' });
        expect(again).toMatchObject({ executionId: viaClient.executionId, created: false });
        const result = await client.execute('shared', {}, { idempotencyKey: 'c-1' });
        expect(result.executionId).toBe(viaClient.executionId);
        expect([...runs.values()]).toEqual([1]);
        await expect(client.executeAsync('shared', {}, { idempotencyKey: '' })).rejects.toThrow(
          ConfigError,
        );
      } finally {
        await client.close();
      }
    }));

  it('refuses a key that is empty, too long, not a string or holds NUL, writing nothing', () =>
    withRunner(async (runner, db) => {
      runner.register(counted('strict').workflow);
      const before = await rowCounts(db);
      const long = 'k'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH + 1);
      const bad: [unknown, RegExp][] = [
        ['', /received ''/],
        [long, /received 'k+.*\(256 characters\)/],
        [42, /received 42\b/],
        [null, /received null/],
        ['a\u0000b', /without NUL; received 'a.b'/],
      ];
      for (const [key, message] of bad) {
        const start = runner.executeAsync('strict', {}, { idempotencyKey: key as string });
        await expect(start).rejects.toThrow(ConfigError);
        await expect(start).rejects.toThrow(message);
      }
      // The longest key is accepted.
      const longest = 'k'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH);
      const ok = await runner.executeAsync('strict', {}, { idempotencyKey: longest });
      expect(ok.created).toBe(true);
      await ok.wait();
      expect((await rowCounts(db))[0]).toBe(before[0]! + 1);
    }));
});
