/**
 * Each adapter's row locks (`Tx.locks`), on both backends. PostgreSQL creates the lock rows of
 * groups, rate limits and task limits on first use (that a second writer of a locked row waits:
 * `row-locks-wait.pg.test.ts`). SQLite's single writer needs no lock: its locks write nothing and
 * add nothing to a statement.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/store/db.js';
import { backend } from '../helpers/backend.js';
import { openFreshDb } from '../helpers/db.js';

describe('row locks', () => {
  let db: Db;
  beforeEach(async () => {
    db = openFreshDb(3);
    await db.migrate();
  });
  afterEach(async () => {
    await db.close();
  });

  const count = (table: string): Promise<number> =>
    db.transaction(async (tx) =>
      Number((await tx.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))!.n),
    );

  it('creates the lock rows of groups, rate limits and task limits where writers are concurrent', async () => {
    await db.transaction(async (tx) => {
      tx.locks.groupStripes(tx, [
        { workflowName: 'a', key: 'one', first: 2, last: 2 },
        { workflowName: 'b', key: 'all', first: 0, last: 7 },
      ]);
      tx.locks.rateLimit(tx, 'a');
      await tx.locks.taskLimits(tx, [
        { workflowName: 'a', taskId: 't1' },
        { workflowName: 'a', taskId: 't2' },
      ]);
    });
    const created = backend === 'postgres';
    expect(await count('concurrency_groups')).toBe(created ? 9 : 0);
    expect(await count('rate_limit_locks')).toBe(created ? 1 : 0);
    expect(await count('task_limit_locks')).toBe(created ? 2 : 0);
  });

  it('locks rows in id order ahead of a statement, or adds nothing to it', async () => {
    const ids = ['b', 'a'];
    const prefix = db.transaction(async (tx) => tx.locks.idOrderPrefix('task_executions', ids));
    if (backend === 'postgres') {
      const { where, params } = await prefix;
      expect(where).toMatch(/ORDER BY id FOR UPDATE\) AND $/);
      expect(params).toEqual(ids);
    } else {
      expect(await prefix).toEqual({ where: '', params: [] });
    }
    // Either way the statement it begins runs.
    const changed = await db.transaction(async (tx) => {
      const lock = tx.locks.idOrderPrefix('task_executions', ids);
      return tx.run(`UPDATE task_executions SET heartbeat_at_ms = 1 WHERE ${lock.where}1 = 1`, [
        ...lock.params,
      ]);
    });
    expect(changed).toBe(0);
  });
});
