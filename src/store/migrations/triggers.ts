/** Migration 2: durable event-trigger schedules (SPEC §4.2). */
import type { Migration } from './migration.js';

/** Trigger schedule rows. */
export const triggerSchedulesMigration: Migration = {
  id: 2,
  name: 'trigger schedules',
  sqlite: [],
  postgres: [],
};
