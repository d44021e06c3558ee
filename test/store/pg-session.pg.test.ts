/**
 * The session settings every engine connection to PostgreSQL starts with, and which of them a
 * user's `?options=` in the URL can change.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PgDb } from '../../src/store/postgres/pg-db.js';
import { freshDatabase } from '../helpers/backend.js';

/** The values of `settings` as one connection of a fresh handle on `url` sees them. */
async function settingsOf(url: string, settings: readonly string[]): Promise<string[]> {
  const { schema } = freshDatabase();
  const db = new PgDb({ url, poolSize: 1, schema });
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

const opened: PgDb[] = [];

describe('PostgreSQL session settings', () => {
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((db) => db.close()));
  });

  it('start with bitmap scans off, custom plans and standard strings', async () => {
    const { url } = freshDatabase();
    expect(
      await settingsOf(url, [
        'enable_bitmapscan',
        'plan_cache_mode',
        'standard_conforming_strings',
      ]),
    ).toEqual(['off', 'force_custom_plan', 'on']);
  });

  it('let a URL option turn bitmap scans back on', async () => {
    const target = new URL(freshDatabase().url);
    target.searchParams.set('options', '-c enable_bitmapscan=on -c work_mem=8MB');
    expect(await settingsOf(target.toString(), ['enable_bitmapscan', 'work_mem'])).toEqual([
      'on',
      '8MB',
    ]);
  });
});
