/**
 * The claim run on PostgreSQL (`EXPLAIN ANALYZE` in a transaction rolled back), on the backlog of
 * `claim-plans.test.ts`: a claim that fills its limit from the highest priority segment never
 * starts the others, and the walk of priority 0 reads only its rows whose time has come, however
 * many are dated later; on analyzed tables.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimAndStartStatement } from '../../src/store/ops/claims.js';
import { openStore } from '../../src/store/open.js';
import { PG_SYNTAX } from '../../src/store/postgres/pg-syntax.js';
import { toPgPlaceholders } from '../../src/store/postgres/pg-sql.js';
import { freshDatabase } from '../helpers/backend.js';
import { NOW, nodes, params, seededPgClient, type PgNode } from './fixtures/claim-backlog.js';

describe('the claim on a backlog with future-dated rows (PostgreSQL)', () => {
  let client: pg.Client;

  beforeAll(async () => {
    const { url, schema } = freshDatabase();
    const store = await openStore(url);
    await store.migrate();
    await store.close();
    client = await seededPgClient(schema!);
    // As a production database has them.
    await client.query('ANALYZE workflow_executions, task_executions');
  });

  afterAll(async () => {
    await client?.end();
  });

  it('stops at the limit: a full first segment leaves the others unread, and priority 0 reads only due rows', async () => {
    /** The claim's executed plan, its writes rolled back. */
    const run = async (limit: number, nowMs: number): Promise<PgNode[]> => {
      await client.query('BEGIN');
      try {
        const result = await client.query<{ 'QUERY PLAN': [{ Plan: PgNode }] }>(
          `EXPLAIN (ANALYZE, FORMAT JSON) ${toPgPlaceholders(claimAndStartStatement(PG_SYNTAX, 1))}`,
          [...params(limit, nowMs), nowMs, nowMs],
        );
        return nodes(result.rows[0]!['QUERY PLAN'][0].Plan);
      } finally {
        await client.query('ROLLBACK');
      }
    };
    const walk = (plan: PgNode[], index: string): PgNode =>
      plan.find((n) => n['Index Name'] === index)!;

    // 1,000 due rows of priority 5: a claim of 10 reads 10 of them and nothing else.
    const full = await run(10, NOW);
    const above = walk(full, 'task_executions_ready_above');
    expect(above['Actual Rows']).toBe(10);
    expect(walk(full, 'task_executions_ready')['Actual Loops']).toBe(0);
    expect(walk(full, 'task_executions_ready_below')['Actual Loops']).toBe(0);

    // Early on, 5 rows of priority 0 are due and 1,000 are dated later: the walk of
    // priority 0 ends at now, after reading the 5.
    const early = await run(100, 1_000 + 29);
    const zero = walk(early, 'task_executions_ready');
    expect(zero['Actual Loops']).toBe(1);
    expect((zero['Actual Rows'] ?? 0) + (zero['Rows Removed by Filter'] ?? 0)).toBe(5);
  });
});
