/** `POST /v1/prune`: admin only, a dry run counts what the real one then deletes. */
import { describe, expect, it } from 'vitest';
import { freshDatabase } from '../helpers/backend.js';
import { countByPrefix, seedExecutions } from '../helpers/seed.js';
import { startServer } from '../helpers/server.js';

const DAY = 86_400_000;

describe('POST /v1/prune', () => {
  it('counts with dryRun, deletes without, and is refused below the admin scope', async () => {
    const db = freshDatabase();
    const srv = await startServer(db.url);
    const now = Date.now();
    await seedExecutions(db, {
      prefix: 'old-',
      count: 40,
      status: 'Failed',
      createdAtMs: now - 41 * DAY,
      completedAtMs: now - 40 * DAY,
    });
    await seedExecutions(db, {
      prefix: 'live-',
      count: 3,
      status: 'Running',
      createdAtMs: now - 90 * DAY,
      completedAtMs: null,
    });
    const body = { olderThan: '30d', status: 'Failed', dryRun: true };

    for (const key of [srv.keys.read, srv.keys.operate]) {
      expect((await srv.call('/v1/prune', { key, body })).status).toBe(403);
    }
    const counted = await srv.call('/v1/prune', { body });
    expect(counted.status).toBe(200);
    expect(counted.body).toEqual({
      dryRun: true,
      executions: 40,
      tasks: 120,
      events: 200,
      triggerRuns: 0,
      cronRuns: 0,
    });
    expect(await countByPrefix(db, 'workflow_executions', 'old-')).toBe(40);

    const pruned = await srv.call('/v1/prune', { body: { olderThan: '30d' } });
    expect(pruned.body).toEqual({ ...counted.body, dryRun: false });
    expect(await countByPrefix(db, 'workflow_executions', 'old-')).toBe(0);
    expect(await countByPrefix(db, 'task_executions', 'live-')).toBe(9);

    const running = await srv.call('/v1/prune', { body: { olderThan: '30d', status: 'Running' } });
    expect(running.status).toBe(400);
    const zero = await srv.call('/v1/prune', { body: { olderThan: '0s' } });
    expect(zero.status).toBe(400);
    expect(zero.body.detail).toMatch(/olderThan must be greater than 0, received '0s'/);
  });
});
