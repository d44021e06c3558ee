/**
 * The session settings every engine connection to PostgreSQL starts with, and which of them a
 * user's `?options=` in the URL can change.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PgDb } from '../../src/store/postgres/pg-db.js';
import { freshDatabase } from '../helpers/backend.js';

const opened: PgDb[] = [];

/** `settings` as a connection of a fresh handle sees them, with `options` in its URL if given. */
async function settingsOf(settings: readonly string[], options?: string): Promise<string[]> {
  const { url, schema } = freshDatabase();
  const target = new URL(url);
  if (options !== undefined) target.searchParams.set('options', options);
  const db = new PgDb({ url: target.toString(), poolSize: 1, schema });
  opened.push(db);
  return db.transaction(async (tx) => {
    const values: string[] = [];
    for (const name of settings) {
      const row = await tx.get<{ value: string }>(`SELECT current_setting('${name}') AS value`);
      values.push(row!.value);
    }
    return values;
  });
}

describe('PostgreSQL session settings', () => {
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((db) => db.close()));
  });

  it('start with bitmap and sequential scans off, custom plans and standard strings', async () => {
    expect(
      await settingsOf([
        'enable_bitmapscan',
        'enable_seqscan',
        'plan_cache_mode',
        'standard_conforming_strings',
      ]),
    ).toEqual(['off', 'off', 'force_custom_plan', 'on']);
  });

  it('let a URL option turn bitmap and sequential scans back on', async () => {
    expect(
      await settingsOf(
        ['enable_bitmapscan', 'enable_seqscan', 'work_mem'],
        '-c enable_bitmapscan=on -c enable_seqscan=on -c work_mem=8MB',
      ),
    ).toEqual(['on', 'on', '8MB']);
  });
});
