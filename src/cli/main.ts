#!/usr/bin/env node
/**
 * `cloacinactl`: operate Cloacina from a shell. It uses only the package's public API, like any
 * other user. Every failure ends with a non-zero exit code and one line on stderr; set
 * `CLOACINA_DEBUG=1` for the stack.
 */
import { Command, CommanderError } from 'commander';
import { addCronCommands } from './commands/cron.js';
import { addDaemonCommand } from './commands/daemon.js';
import { addEventCommands } from './commands/events.js';
import { addExecutionCommands } from './commands/executions.js';
import { addKeyCommands } from './commands/keys.js';
import { addMigrateCommand } from './commands/migrate.js';
import { addPruneCommand } from './commands/prune.js';
import { addServeCommand } from './commands/serve.js';
import { addTriggerCommands } from './commands/triggers.js';
import { addWorkflowCommands } from './commands/workflows.js';
import { describeFailure, UsageError } from './common.js';

/** Builds the command tree. */
export function buildProgram(): Command {
  const program = new Command('cloacinactl')
    .description(
      'Operate Cloacina workflows: daemon, HTTP API, executions, triggers, cron, API keys',
    )
    .option('--db <url>', 'database URL (env CLOACINA_DATABASE_URL; default sqlite://cloacina.db)')
    .option('--schema <name>', 'PostgreSQL tenant schema')
    .option('--json', 'print JSON for scripts instead of tables')
    .exitOverride();
  addDaemonCommand(program);
  addServeCommand(program);
  addMigrateCommand(program);
  addWorkflowCommands(program);
  addExecutionCommands(program);
  addTriggerCommands(program);
  addCronCommands(program);
  addEventCommands(program);
  addPruneCommand(program);
  addKeyCommands(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs the CLI with `argv` and returns the exit code. */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv]);
    return 0;
  } catch (error) {
    // Commander has already printed its own message (usage errors, --help, --version).
    if (error instanceof CommanderError) return error.exitCode;
    process.stderr.write(`cloacinactl: ${describeFailure(error)}\n`);
    if (process.env.CLOACINA_DEBUG === '1' && error instanceof Error) {
      process.stderr.write(`${error.stack ?? ''}\n`);
    }
    return error instanceof UsageError ? error.exitCode : 1;
  }
}

// Exit explicitly: a closed client or runner leaves nothing to wait for, and a daemon's
// module loader may hold handles that would keep the process alive.
process.exit(await main());
