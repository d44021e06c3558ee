/**
 * Statements that look executions up by id and re-check their status must be planned as id
 * look-ups on SQLite. Without statistics, SQLite would rather walk the status's range of
 * `workflow_executions_by_status` (which holds every execution, for the lists), reading every
 * Pending execution of a backlog to start ten of them, or every Completed one of a long history
 * to answer a waiter. The statements are captured from real store operations (schedule, claim,
 * a waiter's read, an admission), then explained.
 */
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import { freshSqliteUrl } from '../helpers/backend.js';
import { executionOf } from '../helpers/plan.js';
import { single } from './fixtures/workflows.js';
import { plannedOnce } from '../../src/store/sqlite/planned-once.js';

type Method = (...args: unknown[]) => unknown;

/** Statements run through better-sqlite3 while `capture` is on, with their parameters. */
const captured: { sql: string; args: unknown[] }[] = [];
let capture = false;
const probe = new Database(':memory:');
const statementProto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<string, Method>;
probe.close();
const originals = new Map<string, Method>();
for (const method of ['run', 'all', 'get']) {
  const original = statementProto[method]!;
  originals.set(method, original);
  statementProto[method] = function (this: { source: string }, ...args: unknown[]): unknown {
    if (capture) captured.push({ sql: this.source, args });
    return original.apply(this, args);
  };
}

afterAll(() => {
  for (const [method, original] of originals) statementProto[method] = original;
});

describe('id look-ups of executions on SQLite', () => {
  it('are planned on the primary key, never on the status index', async () => {
    const url = freshSqliteUrl();
    const store = await openStore(url);
    try {
      await store.migrate();
      capture = true;
      // Ten of each: a look-up of one id is planned on the key whatever else the statement says.
      const group = { key: 'k', limit: 10 };
      const scheduled = await store.scheduleExecutions(
        Array.from({ length: 20 }, (_, i) =>
          executionOf(single, { concurrency: group, nowMs: 1_000 + i }),
        ),
      );
      const batch = await store.claimReadyTasks({
        runnerId: 'r',
        limit: 10,
        nowMs: 2_000,
        workflowNames: ['single'],
      });
      expect(batch.tasks).toHaveLength(10);
      await store.completeTasks({
        completions: batch.tasks.map((task) => ({ ...task, output: {} })),
        nowMs: 3_000,
        runnerId: 'r',
      });
      const ended = await store.getEndedExecutions(scheduled.map((s) => s.record.id));
      expect(ended).toHaveLength(10);
      capture = false;
    } finally {
      capture = false;
      await store.close();
    }

    const lookups = captured.filter(({ sql }) =>
      /workflow_executions\s+(SET [\s\S]*)?WHERE id IN \(/.test(sql),
    );
    // Starting the claimed executions, admitting the queued one, and the waiter's read.
    expect(lookups.length).toBeGreaterThanOrEqual(3);
    const db = new Database(url.slice('sqlite://'.length), { readonly: true });
    try {
      for (const { sql, args } of lookups) {
        const plan = (
          db.prepare(`EXPLAIN QUERY PLAN ${plannedOnce(sql)}`).all(...args) as { detail: string }[]
        )
          .map((row) => row.detail)
          .join('; ');
        expect(plan, sql).toMatch(/sqlite_autoindex_workflow_executions_1 \(id=\?\)/);
        expect(plan, sql).not.toMatch(/workflow_executions_by_status/);
      }
    } finally {
      db.close();
    }
  });
});
