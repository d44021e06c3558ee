/** `cloacinactl run` and `cloacinactl executions ...`: start, read and control executions. */
import type { Command } from 'commander';
import { WorkflowStatus, type Client, type WorkflowExecutionResult } from '../../index.js';
import { parseContext, positiveInt, UsageError, withClient } from '../common.js';
import {
  cell,
  duration,
  executionJson,
  executionReport,
  print,
  printJson,
  table,
  taskTable,
} from '../format.js';

const STATUSES = Object.values(WorkflowStatus) as string[];
const TERMINAL = new Set<string>(['Completed', 'Failed', 'Cancelled']);

/** A failed or cancelled run ends the command with a non-zero exit and this one line. */
function requireSuccess(result: WorkflowExecutionResult): void {
  if (result.status !== 'Completed') {
    throw new UsageError(
      `execution ${result.executionId} ended ${result.status}` +
        (result.errorMessage !== undefined ? `: ${result.errorMessage}` : ''),
    );
  }
}

/**
 * Redraws the task table until the execution ends. On a terminal the table is drawn over the
 * previous one; into a pipe or file a new table is printed only when something changed.
 */
async function watch(client: Client, executionId: string): Promise<WorkflowExecutionResult> {
  const tty = process.stdout.isTTY;
  let previous = '';
  let lines = 0;
  for (;;) {
    const result = await client.getExecutionResult(executionId);
    const text = `${result.workflowName} ${executionId}  ${result.status}\n${taskTable(result)}`;
    if (tty) {
      if (lines > 0) process.stdout.write(`\x1b[${lines}A\x1b[J`);
      process.stdout.write(`${text}\n`);
      lines = text.split('\n').length;
    } else if (text !== previous) {
      print(`${text}\n`);
    }
    previous = text;
    if (TERMINAL.has(result.status)) return result;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Adds `run` and the `executions` commands to `program`. */
export function addExecutionCommands(program: Command): void {
  program
    .command('run <workflow>')
    .description('schedule an execution of a stored workflow (a runner with its code executes it)')
    .option('--context <json>', "initial context: inline JSON or '@file.json'")
    .option('--wait', 'wait for the end and print the result')
    .option('--watch', 'redraw a live task table until the end')
    .option('--timeout <duration>', 'bound of --wait (e.g. 10m)', '1h')
    .action(
      (
        workflow: string,
        options: { context?: string; wait?: boolean; watch?: boolean; timeout: string },
        command: Command,
      ) =>
        withClient(command, async (client, { json }) => {
          const context = parseContext(options.context);
          const handle = await client.executeAsync(workflow, context);
          if (options.watch === true && json !== true) {
            const result = await watch(client, handle.executionId);
            if (result.errorMessage !== undefined) print(`error: ${result.errorMessage}`);
            return requireSuccess(result);
          }
          if (options.wait !== true && options.watch !== true) {
            if (json === true)
              return printJson({ executionId: handle.executionId, workflowName: workflow });
            return print(handle.executionId);
          }
          const result = await handle.wait(options.timeout);
          if (json === true) printJson(executionJson(result));
          else print(executionReport(result));
          requireSuccess(result);
        }),
    );

  const executions = program.command('executions').description('read and control executions');

  executions
    .command('list')
    .description('list executions, newest first')
    .option('--workflow <name>', 'only this workflow')
    .option('--status <status>', `only this status (${STATUSES.join(', ')})`)
    .option('--limit <n>', 'at most n executions', '20')
    .action((options: { workflow?: string; status?: string; limit: string }, command: Command) =>
      withClient(command, async (client, { json }) => {
        if (options.status !== undefined && !STATUSES.includes(options.status)) {
          throw new UsageError(
            `--status must be one of ${STATUSES.join(', ')}; received '${options.status}'.`,
          );
        }
        const list = await client.listExecutions({
          ...(options.workflow !== undefined ? { workflowName: options.workflow } : {}),
          ...(options.status !== undefined ? { status: options.status as WorkflowStatus } : {}),
          limit: positiveInt(options.limit, '--limit'),
        });
        if (json === true) return printJson(list.map(executionJson));
        if (list.length === 0) return print('No executions.');
        print(
          table(
            ['ID', 'WORKFLOW', 'STATUS', 'STARTED', 'DURATION', 'TASKS'],
            list.map((r) => [
              r.executionId,
              r.workflowName,
              r.status,
              r.startedAt,
              duration(r.durationMs),
              `${r.taskResults.filter((t) => t.status === 'Completed').length}/${r.taskResults.length}`,
            ]),
          ),
        );
      }),
    );

  executions
    .command('show <id>')
    .description(
      'an execution: tasks with durations, attempts, errors, skip reasons; final context',
    )
    .action((id: string, _options: object, command: Command) =>
      withClient(command, async (client, { json }) => {
        const result = await client.getExecutionResult(id);
        if (json === true) return printJson(executionJson(result));
        print(executionReport(result));
      }),
    );

  executions
    .command('events <id>')
    .description('the events of an execution, oldest first')
    .action((id: string, _options: object, command: Command) =>
      withClient(command, async (client, { json }) => {
        const events = await client.getExecutionEvents(id);
        if (json === true) return printJson(events);
        print(
          table(
            ['TIME', 'EVENT', 'TASK', 'RUNNER', 'DATA'],
            events.map((e) => [
              new Date(e.createdAtMs),
              e.type,
              e.taskId,
              e.runnerId,
              e.data === null ? null : JSON.stringify(e.data),
            ]),
          ),
        );
      }),
    );

  const control = (
    name: 'cancel' | 'pause' | 'resume',
    description: string,
    act: (client: Client, id: string, reason?: string) => Promise<void>,
  ): Command =>
    executions
      .command(`${name} <id>`)
      .description(description)
      .action((id: string, options: { reason?: string }, command: Command) =>
        withClient(command, async (client, { json }) => {
          await act(client, id, options.reason);
          const status = await client.getExecutionStatus(id);
          if (json === true) return printJson({ executionId: id, status });
          print(`execution ${id}: ${cell(status)}`);
        }),
      );
  control('cancel', 'hard cancel: running tasks are aborted, nothing new starts', (c, id) =>
    c.cancelExecution(id),
  );
  control('pause', 'pause: running tasks finish, nothing new starts', (c, id, reason) =>
    c.pauseExecution(id, reason),
  ).option('--reason <text>', 'why (recorded in the events)');
  control('resume', 'resume a paused execution', (c, id) => c.resumeExecution(id));
}
