/**
 * `cloacinactl migrate`: creates the database (a SQLite file, a PostgreSQL schema) or applies
 * the migrations it lacks, and says which it applied. The only commands that change a schema
 * are this one, `daemon` (unless `--no-migrate`) and `serve --migrate`: operators choose when
 * that happens.
 */
import type { Command } from 'commander';
import { Client } from '../../index.js';
import { databaseUrl, globals } from '../common.js';
import { print, printJson } from '../format.js';

/** Adds the `migrate` command to `program`. */
export function addMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('create the database or apply the migrations it lacks (safe to run again)')
    .action(async (_options: unknown, command: Command) => {
      const global = globals(command);
      const report = await Client.migrate(
        databaseUrl(global),
        global.schema !== undefined ? { schema: global.schema } : {},
      );
      if (global.json === true) return printJson(report);
      if (report.applied.length === 0) return print(`Up to date (migration ${report.latest}).`);
      const what = report.created ? 'Created the database: applied' : 'Applied';
      print(`${what} ${report.applied.length} migration(s), now at ${report.latest}:`);
      for (const m of report.applied) print(`  ${m.id}  ${m.name}`);
    });
}
