/** Persistence of cron schedules and their runs (SPEC §5). */
import type { Db } from './db.js';

/** Cron operations of the {@link Store}; each is one transaction. */
export interface CronStore {
  readonly cronOpsVersion?: 1;
}

/** Builds the cron operations over an adapter's database handle. */
export function createCronStore(_db: Db): CronStore {
  return {};
}
