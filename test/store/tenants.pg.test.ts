/**
 * Multi-tenancy on PostgreSQL: each tenant is a schema, created and migrated on first use; two
 * tenants with the same workflow names never see each other's executions. Bad schema names, and a
 * schema with SQLite, are configuration errors.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, DefaultRunner, task, workflow } from '../../src/index.js';
import { openStore } from '../../src/store/open.js';
import { createRunner, freshDatabase, freshSqliteUrl, stopRunner } from '../helpers/backend.js';
import { pgAdmin, PG_URL } from '../helpers/pg.js';

const same = () =>
  workflow({ name: 'same', tasks: [task({ id: 'only' }, (ctx) => void ctx.set('done', true))] });

describe('PostgreSQL tenants', () => {
  it('keeps executions of two schemas with the same workflow name apart', async () => {
    const tenantA = freshDatabase();
    const tenantB = freshDatabase();
    // One tenant named by config.schema on the plain server URL, the other by its URL alone.
    const a = await createRunner({ schema: tenantA.schema }, PG_URL);
    const b = await createRunner({}, tenantB.url);
    a.register(same());
    b.register(same());

    const a1 = await a.execute('same', { tenant: 'a', n: 1 });
    const a2 = await a.execute('same', { tenant: 'a', n: 2 });
    const b1 = await b.execute('same', { tenant: 'b', n: 1 });
    expect([a1.status, a2.status, b1.status]).toEqual(['Completed', 'Completed', 'Completed']);

    const listedA = await a.listExecutions({ workflowName: 'same' });
    const listedB = await b.listExecutions({ workflowName: 'same' });
    expect(listedA.map((r) => r.executionId).sort()).toEqual(
      [a1.executionId, a2.executionId].sort(),
    );
    expect(listedB.map((r) => r.executionId)).toEqual([b1.executionId]);
    expect(listedB.map((r) => r.finalContext.get('tenant'))).toEqual(['b']);
    await expect(b.getExecutionStatus(a1.executionId)).rejects.toThrow(/No workflow execution/);

    // Each tenant's rows live in its own schema, created on first use.
    for (const [schema, count] of [
      [tenantA.schema!, 2],
      [tenantB.schema!, 1],
    ] as const) {
      const rows = await pgAdmin<{ n: number }>(
        `SELECT count(*)::int AS n FROM "${schema}".workflow_executions`,
      );
      expect(rows[0]!.n).toBe(count);
    }
    await stopRunner(a);
    await stopRunner(b);
  });

  it('rejects invalid and reserved schema names, and a schema with SQLite, as ConfigError', async () => {
    for (const schema of [
      'bad-name',
      '1starts_with_digit',
      'a'.repeat(64),
      'public',
      'pg_tenant',
      'information_schema',
      '',
    ]) {
      const error = await DefaultRunner.create(PG_URL, { schema }).catch((e: unknown) => e);
      expect(error, schema).toBeInstanceOf(ConfigError);
      // openStore checks too, for callers that bypass the runner's config resolution.
      const direct = await openStore(PG_URL, { schema }).catch((e: unknown) => e);
      expect(direct, schema).toBeInstanceOf(ConfigError);
    }
    const conflicting = await DefaultRunner.create(`${PG_URL}?schema=tenant_a`, {
      schema: 'tenant_b',
    }).catch((e: unknown) => e);
    expect(conflicting).toBeInstanceOf(ConfigError);
    const badInUrl = await openStore(`${PG_URL}?schema=pg_nope`).catch((e: unknown) => e);
    expect(badInUrl).toBeInstanceOf(ConfigError);
    const withSqlite = await DefaultRunner.create(freshSqliteUrl(), { schema: 'tenant_a' }).catch(
      (e: unknown) => e,
    );
    expect(withSqlite).toBeInstanceOf(ConfigError);
    expect((withSqlite as Error).message).toMatch(/PostgreSQL/);
  });
});
