/**
 * Poll records (skip counters) travel in batches; a record the database refuses must cost only
 * itself. The refusal is real: a database trigger that rejects every skip count of one schedule.
 */
import { describe, expect, it } from 'vitest';
import { TriggerResult, defineTrigger } from '../../src/index.js';
import { openStore } from '../../src/store/open.js';
import { PgDb } from '../../src/store/postgres/pg-db.js';
import { SqliteDb } from '../../src/store/sqlite/sqlite-db.js';
import { parseDatabaseUrl } from '../../src/store/url.js';
import { backend, createRunner, freshDatabase, stopRunner } from '../helpers/backend.js';
import { PG_URL } from '../helpers/pg.js';
import { waitFor } from '../helpers/wait.js';
import { RecordingLogger, recordingWorkflow } from './triggers-fixtures.js';

/** Makes the database refuse any change of the skip counter of the schedule `name`. */
async function refuseSkipsOf(database: { url: string; schema: string | undefined }, name: string) {
  const db =
    backend === 'postgres'
      ? new PgDb({ url: PG_URL, poolSize: 1, schema: database.schema })
      : (() => {
          const location = parseDatabaseUrl(database.url);
          if (location.kind !== 'sqlite') throw new Error('expected a SQLite URL');
          return new SqliteDb({ path: location.path, synchronous: 'normal', busyTimeoutMs: 5000 });
        })();
  const statements =
    backend === 'postgres'
      ? [
          `CREATE FUNCTION refuse_skips() RETURNS trigger LANGUAGE plpgsql AS
           $$ BEGIN RAISE EXCEPTION 'skips of % refused', NEW.trigger_name; END $$`,
          `CREATE TRIGGER refuse_skips BEFORE UPDATE OF skips ON trigger_schedules
           FOR EACH ROW WHEN (NEW.trigger_name = '${name}') EXECUTE FUNCTION refuse_skips()`,
        ]
      : [
          `CREATE TRIGGER refuse_skips BEFORE UPDATE OF skips ON trigger_schedules
           WHEN NEW.trigger_name = '${name}'
           BEGIN SELECT RAISE(ABORT, 'skips refused'); END`,
        ];
  try {
    for (const sql of statements) await db.transaction((tx) => tx.run(sql));
  } finally {
    await db.close();
  }
}

function skipping(name: string, reason: string) {
  let polls = 0;
  const trigger = defineTrigger({ name, pollInterval: '20ms' }, () => {
    polls += 1;
    return TriggerResult.skip(reason);
  });
  return { trigger, polls: () => polls };
}

describe('trigger poll records', () => {
  it('records the polls of healthy triggers when the database refuses the record of another', async () => {
    const database = freshDatabase();
    const logger = new RecordingLogger();
    const runner = await createRunner({ triggerBasePollInterval: '20ms', logger }, database.url);
    await refuseSkipsOf(database, 'refused');
    runner.register(recordingWorkflow('wf'));
    const refused = skipping('refused', 'nothing new');
    const healthy = skipping('healthy', 'nothing new');
    await runner.registerTrigger(refused.trigger, 'wf');
    await runner.registerTrigger(healthy.trigger, 'wf');
    await waitFor(
      () => refused.polls() >= 10 && healthy.polls() >= 10,
      5000,
      'ten polls of each trigger',
    );
    await stopRunner(runner);

    const store = await openStore(database.url, { schema: database.schema });
    try {
      expect((await store.getTriggerSchedule('healthy'))?.skips).toBe(healthy.polls());
      expect((await store.getTriggerSchedule('refused'))?.skips).toBe(0);
    } finally {
      await store.close();
    }
    const warnings = logger.calls.filter((c) => c.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.fields).toMatchObject({ triggers: ['refused'] });
  });
});
