/**
 * Every list call checks its paging and filters with one helper. Before, SQLite read
 * `limit: -1` as "no limit", a bad status listed nothing, `limit: 'abc'` reached the driver as a
 * datatype error, and the cron lists threw their own CronError.
 */
import { describe, expect, it } from 'vitest';
import {
  Client,
  ConfigError,
  MAX_PAGE_SIZE,
  task,
  workflow,
  type DefaultRunner,
} from '../../src/index.js';
import { createRunner, freshDatabase, stopRunner } from '../helpers/backend.js';

/** Calls that list something, each given bad options as a caller might. */
type ListCall = (options: unknown) => Promise<unknown[]>;

function listCalls(runner: DefaultRunner, client: Client, scheduleId: string) {
  const calls: Record<string, ListCall> = {
    'runner.listExecutions': (o) => runner.listExecutions(o as never),
    'client.listExecutions': (o) => client.listExecutions(o as never),
    'runner.listTriggerSchedules': (o) => runner.listTriggerSchedules(o as never),
    'client.listTriggerSchedules': (o) => client.listTriggerSchedules(o as never),
    'runner.getTriggerExecutionHistory': (o) => runner.getTriggerExecutionHistory('t', o as never),
    'client.getTriggerExecutionHistory': (o) => client.getTriggerExecutionHistory('t', o as never),
    'runner.listCronSchedules': (o) => runner.listCronSchedules(o as never),
    'client.listCronSchedules': (o) => client.listCronSchedules(o as never),
    'runner.getCronExecutionHistory': (o) => runner.getCronExecutionHistory(scheduleId, o as never),
    'client.getCronExecutionHistory': (o) => client.getCronExecutionHistory(scheduleId, o as never),
  };
  return calls;
}

describe('list paging and filters', () => {
  it('refuses bad paging in every list call with a ConfigError naming field, value and range', async () => {
    const db = freshDatabase();
    const runner = await createRunner({}, db.url);
    await using client = await Client.connect(db.url);
    try {
      runner.register(workflow({ name: 'w', tasks: [task({ id: 'a' }, () => undefined)] }));
      for (let i = 0; i < 3; i++) await runner.execute('w');
      const scheduleId = await runner.registerCronWorkflow('w', '0 0 1 1 *');
      const bad: [string, unknown][] = [
        ['limit', -1],
        ['limit', 0],
        ['limit', 'abc'],
        ['limit', 2.5],
        ['limit', MAX_PAGE_SIZE + 1],
        ['offset', -1],
        ['offset', 'abc'],
      ];
      for (const [name, call] of Object.entries(listCalls(runner, client, scheduleId))) {
        for (const [field, value] of bad) {
          const error = await call({ [field]: value }).catch((e: unknown) => e);
          expect(error, `${name} ${field}=${String(value)}`).toBeInstanceOf(ConfigError);
          const message = (error as Error).message;
          expect(message, name).toContain(`${field} must be an integer`);
          expect(message, name).toContain(typeof value === 'string' ? `'${value}'` : String(value));
        }
        // A misspelt option is refused rather than ignored.
        const misspelt = await call({ limt: 1 }).catch((e: unknown) => e);
        expect(misspelt, name).toBeInstanceOf(ConfigError);
        // Good paging still works.
        expect(Array.isArray(await call({ limit: MAX_PAGE_SIZE, offset: 0 })), name).toBe(true);
      }
    } finally {
      await stopRunner(runner);
    }
  });

  it('refuses a status or flag that cannot match instead of listing nothing or everything', async () => {
    const db = freshDatabase();
    const runner = await createRunner({}, db.url);
    await using client = await Client.connect(db.url);
    try {
      runner.register(workflow({ name: 'w', tasks: [task({ id: 'a' }, () => undefined)] }));
      await runner.execute('w');
      for (const list of [runner, client]) {
        const status = await list
          .listExecutions({ status: 'bogus' as never })
          .catch((e: unknown) => e);
        expect(status).toBeInstanceOf(ConfigError);
        expect((status as Error).message).toContain(
          "status must be one of 'Scheduled', 'Queued', 'Pending'",
        );
        expect((status as Error).message).toContain("received 'bogus'");
        const stauts = await list
          .listExecutions({ stauts: 'Failed' } as never)
          .catch((e: unknown) => e);
        expect(stauts).toBeInstanceOf(ConfigError);
        const name = await list
          .listExecutions({ workflowName: 7 as never })
          .catch((e: unknown) => e);
        expect(name).toBeInstanceOf(ConfigError);
        for (const enabledOnly of ['yes', 1]) {
          const flag = await list
            .listCronSchedules({ enabledOnly: enabledOnly as never })
            .catch((e: unknown) => e);
          expect(flag).toBeInstanceOf(ConfigError);
          const triggerFlag = await list
            .listTriggerSchedules({ enabledOnly: enabledOnly as never })
            .catch((e: unknown) => e);
          expect(triggerFlag).toBeInstanceOf(ConfigError);
        }
        expect(await list.listExecutions({ status: 'Completed', limit: 1 })).toHaveLength(1);
        expect(await list.listExecutions({ status: 'Failed' })).toEqual([]);
      }
    } finally {
      await stopRunner(runner);
    }
  });
});
