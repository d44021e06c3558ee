/** Migration 3: cron schedules (SPEC §5). */
import type { Migration } from './migration.js';

/** Cron schedule rows. */
export const cronSchedulesMigration: Migration = {
  id: 3,
  name: 'cron schedules',
  sqlite: [],
  postgres: [],
};
