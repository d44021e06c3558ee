/**
 * The test kit on PostgreSQL (its `url` option): the same virtual clock drives a runner on a
 * real server, each step costing real round trips, so this runs one short scenario.
 */
import { afterEach, expect, it } from 'vitest';
import { task, workflow } from '../../src/index.js';
import { createTestRunner, type TestRunner } from '../../src/testing/index.js';
import { freshDatabase } from '../helpers/backend.js';

let kit: TestRunner | undefined;
afterEach(async () => {
  await kit?.close();
  kit = undefined;
});

const START = Date.UTC(2026, 0, 1);

it('on PostgreSQL: a cron, a retry backoff and a timeout happen at their virtual times', async () => {
  const attempts: number[] = [];
  const { url } = freshDatabase();
  kit = await createTestRunner({
    url,
    workflows: [
      workflow({
        name: 'sync',
        tasks: [
          task(
            {
              id: 'call',
              retry: { attempts: 2, backoff: 'fixed', initialDelay: '1m', maxDelay: '1m' },
            },
            () => {
              attempts.push(kit!.clock.now());
              if (attempts.length === 1) throw new Error('upstream busy');
            },
          ),
        ],
      }),
      workflow({
        name: 'stuck',
        tasks: [
          task(
            { id: 'wait', timeout: '30s', retry: { attempts: 1 } },
            (_ctx, handle) =>
              new Promise<void>((_, reject) =>
                handle.signal.addEventListener('abort', () => reject(new Error('aborted'))),
              ),
          ),
        ],
      }),
    ],
  });
  await kit.runner.registerCronWorkflow('sync', '*/2 * * * *');
  const stuck = await kit.runner.executeAsync('stuck');

  await kit.advance('2m');
  expect(attempts).toEqual([START + 120_000]);
  const timedOut = await kit.taskResult(stuck.executionId, 'wait');
  expect(timedOut.status).toBe('Failed');
  expect(timedOut.completedAt?.getTime()).toBe(START + 30_000);

  await kit.advance('1m');
  expect(attempts).toEqual([START + 120_000, START + 180_000]);
  const [run] = await kit.executions('sync');
  expect(run?.createdAt.getTime()).toBe(START + 120_000);
  expect(run?.status).toBe('Completed');
}, 60_000);
