/** `cloacinactl run` and `cloacinactl executions ...`: start, read and control executions. */
import type { Command } from 'commander';
import {
  formatDuration,
  TimeoutError,
  WorkflowStatus,
  type Client,
  type RerunFrom,
  type WorkflowExecutionResult,
} from '../../index.js';
import {
  CliError,
  durationMs,
  ExitCode,
  parseContext,
  parseStatus,
  parsePriority,
  parseTime,
  positiveInt,
  UsageError,
  withClient,
} from '../common.js';
import { reportWarning } from '../errors.js';
import {
  cell,
  duration,
  executionJson,
  executionReport,
  executionViewJson,
  preciseTime,
  print,
  printJson,
  statusLine,
  table,
  taskTable,
  type ExecutionView,
} from '../format.js';

const STATUSES = Object.values(WorkflowStatus);
const TERMINAL = new Set<string>(['Completed', 'Failed', 'Cancelled']);
const RERUN_FROM: readonly string[] = ['failed', 'start'] satisfies RerunFrom[];

/** A failed or cancelled run ends the command with a non-zero exit and this one line. */
function requireSuccess(result: WorkflowExecutionResult): void {
  if (result.status !== 'Completed') {
    throw new CliError(
      `execution ${result.executionId} ended ${result.status}` +
        (result.errorMessage !== undefined ? `: ${result.errorMessage}` : ''),
    );
  }
}

/**
 * Waits for the end of an execution, for `run --wait` and `executions wait`. A timeout is one
 * line saying how to wait again, with exit code 124, so a script tells "still running" apart
 * from "failed".
 */
async function waitForEnd(
  client: Client,
  executionId: string,
  timeoutMs: number,
): Promise<WorkflowExecutionResult> {
  try {
    return await client.waitForExecution(executionId, timeoutMs);
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    throw new CliError(
      `execution ${executionId} did not end within ${formatDuration(timeoutMs)}; it keeps ` +
        `running (wait again: cloacinactl executions wait ${executionId})`,
      { code: error.code, exitCode: ExitCode.TIMEOUT },
    );
  }
}

/** The fewest characters of an id prefix: below 8 the prefix is a part of the creation time. */
const MIN_PREFIX = 8;
/** How many ids an ambiguous prefix lists. */
const SHOWN_MATCHES = 5;
/** A complete execution id (any UUID layout). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The execution id that `text` names: a full id as given, or a prefix of at least 8 characters
 * that exactly one execution id starts with. Ids are UUIDv7, whose first 12 hex digits are the
 * creation time in ms, so a short prefix is often shared by executions made together: an
 * ambiguous prefix is an error listing some of the ids it matches. A prefix nothing matches is
 * returned as given, so the command reports the usual not-found error.
 */
async function resolveExecutionId(client: Client, text: string): Promise<string> {
  if (!/^[0-9a-fA-F-]+$/.test(text) || UUID.test(text)) return text;
  if (text.length < MIN_PREFIX) {
    throw new UsageError(
      `execution id prefix '${text}' is too short: give at least ${MIN_PREFIX} characters`,
      { code: 'ID_PREFIX_TOO_SHORT' },
    );
  }
  const matches = await client.findExecutionsByIdPrefix(text, SHOWN_MATCHES + 1);
  if (matches.length === 0) return text;
  const [only] = matches;
  if (matches.length === 1 && only !== undefined) return only.executionId;
  const count = matches.length > SHOWN_MATCHES ? `more than ${SHOWN_MATCHES}` : matches.length;
  const ids = matches.slice(0, SHOWN_MATCHES).map((m) => m.executionId);
  throw new UsageError(
    `prefix ${text} matches ${count} executions: ${ids.join(', ')}` +
      `${matches.length > SHOWN_MATCHES ? ', …' : ''}; give more characters`,
    { code: 'AMBIGUOUS_ID' },
  );
}

/**
 * An execution with what its result leaves out: its stored tasks (a retry's last error and next
 * attempt time) and its pause reason.
 */
async function readExecutionView(client: Client, executionId: string): Promise<ExecutionView> {
  const [result, tasks, summary] = await Promise.all([
    client.getExecutionResult(executionId),
    client.getExecutionTasks(executionId),
    client.getExecutionSummary(executionId),
  ]);
  return { result, tasks, pauseReason: summary.pauseReason };
}

/** Prints an execution that ended, for `run --wait` and `executions wait`. */
async function printEnded(client: Client, result: WorkflowExecutionResult, json: boolean) {
  if (json) printJson(executionJson(result));
  else print(executionReport(await readExecutionView(client, result.executionId)));
}

/**
 * Warns on stderr when no live runner has `workflow` registered: the execution then waits,
 * Pending, until one starts, which would otherwise look like a hang. A runner counts as live
 * while its heartbeat is recent (`listRunners`).
 */
async function warnWithoutRunner(client: Client, workflow: string, json: boolean): Promise<void> {
  const runners = await client.listRunners();
  if (runners.some((runner) => runner.workflows.includes(workflow))) return;
  reportWarning(
    'NO_LIVE_RUNNER',
    `no live runner has workflow '${workflow}' registered: the execution waits until one ` +
      `starts (a daemon with its module, or a runner that registers it).`,
    json,
  );
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
    const view = await readExecutionView(client, executionId);
    const { result } = view;
    const text = `${result.workflowName} ${executionId}  ${statusLine(view)}\n${taskTable(view)}`;
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
    .option(
      '--idempotency-key <key>',
      'start at most one execution of the workflow with this key: a second run with it prints (or waits for) the first one',
    )
    .option(
      '--run-at <time>',
      'start at this ISO 8601 time instead of now (e.g. 2026-12-24T15:00Z)',
    )
    .option('--delay <duration>', 'start this long from now instead of now (e.g. 15m)')
    .option(
      '--priority <n>',
      "an integer from -1000 to 1000, higher first: its tasks are claimed before lower priorities' (default: the workflow's, 0 unless it sets one)",
    )
    .action(
      (
        workflow: string,
        options: {
          context?: string;
          wait?: boolean;
          watch?: boolean;
          timeout: string;
          idempotencyKey?: string;
          runAt?: string;
          delay?: string;
          priority?: string;
        },
        command: Command,
      ) =>
        withClient(command, async (client, { json }) => {
          const context = parseContext(options.context);
          // Checked before anything is scheduled, so that a typo starts nothing.
          const timeoutMs = durationMs(options.timeout, '--timeout');
          const priority =
            options.priority === undefined
              ? undefined
              : parsePriority(options.priority, '--priority');
          const handle = await client.executeAsync(workflow, context, {
            ...(options.idempotencyKey !== undefined
              ? { idempotencyKey: options.idempotencyKey }
              : {}),
            ...(options.runAt !== undefined ? { runAt: parseTime(options.runAt, '--run-at') } : {}),
            ...(options.delay !== undefined ? { delay: durationMs(options.delay, '--delay') } : {}),
            ...(priority !== undefined ? { priority } : {}),
          });
          await warnWithoutRunner(client, workflow, json === true);
          if (options.watch === true && json !== true) {
            const result = await watch(client, handle.executionId);
            if (result.errorMessage !== undefined) print(`error: ${result.errorMessage}`);
            return requireSuccess(result);
          }
          if (options.wait !== true && options.watch !== true) {
            if (json === true)
              return printJson({
                executionId: handle.executionId,
                workflowName: workflow,
                created: handle.created,
              });
            return print(handle.executionId);
          }
          const result = await waitForEnd(client, handle.executionId, timeoutMs);
          await printEnded(client, result, json === true);
          requireSuccess(result);
        }),
    );

  const executions = program.command('executions').description('read and control executions');

  executions
    .command('list')
    .description('list executions, newest first')
    .option('--workflow <name>', 'only this workflow')
    .option('--status <status>', `only this status (${STATUSES.join(', ')}; any case)`)
    .option('--limit <n>', 'at most n executions', '20')
    .option('--after <id>', 'only executions listed after this one (the last id of a list)')
    .action(
      (
        options: { workflow?: string; status?: string; limit: string; after?: string },
        command: Command,
      ) =>
        withClient(command, async (client, { json }) => {
          const status =
            options.status === undefined
              ? undefined
              : parseStatus(options.status, STATUSES, '--status');
          const list = await client.listExecutions({
            ...(options.workflow !== undefined ? { workflowName: options.workflow } : {}),
            ...(status !== undefined ? { status } : {}),
            ...(options.after !== undefined ? { after: options.after } : {}),
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
        const view = await readExecutionView(client, await resolveExecutionId(client, id));
        if (json === true) return printJson(executionViewJson(view));
        print(executionReport(view));
      }),
    );

  executions
    .command('wait <id>')
    .description(
      'wait for the end of an execution (after `run` returned or timed out) and print its result',
    )
    .option('--timeout <duration>', 'how long to wait (e.g. 10m); then exit 124', '1h')
    .action((id: string, options: { timeout: string }, command: Command) =>
      withClient(command, async (client, { json }) => {
        const result = await waitForEnd(
          client,
          await resolveExecutionId(client, id),
          durationMs(options.timeout, '--timeout'),
        );
        await printEnded(client, result, json === true);
        requireSuccess(result);
      }),
    );

  executions
    .command('events <id>')
    .description('the events of an execution in the order they were recorded (times to the ms)')
    .action((id: string, _options: object, command: Command) =>
      withClient(command, async (client, { json }) => {
        const events = await client.getExecutionEvents(await resolveExecutionId(client, id));
        if (json === true) return printJson(events);
        print(
          table(
            ['TIME', 'EVENT', 'TASK', 'RUNNER', 'DATA'],
            events.map((e) => [
              preciseTime(new Date(e.createdAtMs)),
              e.type,
              e.taskId,
              e.runnerId,
              e.data === null ? null : JSON.stringify(e.data),
            ]),
          ),
        );
      }),
    );

  executions
    .command('rerun <id>')
    .description(
      'start a new execution that reruns an ended one: from failed (completed tasks are kept, the rest runs) or from start',
    )
    .option('--from <where>', `where to start: ${RERUN_FROM.join(' or ')}`, 'failed')
    .action((given: string, options: { from: string }, command: Command) =>
      withClient(command, async (client, { json }) => {
        if (!RERUN_FROM.includes(options.from)) {
          throw new UsageError(
            `--from must be ${RERUN_FROM.join(' or ')}; received '${options.from}'.`,
          );
        }
        const from = options.from as RerunFrom;
        const id = await resolveExecutionId(client, given);
        const handle = await client.rerunExecution(id, { from });
        if (json === true) {
          return printJson({
            executionId: handle.executionId,
            workflowName: handle.workflowName,
            rerunOf: id,
            from,
          });
        }
        print(handle.executionId);
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
      .action((given: string, options: { reason?: string }, command: Command) =>
        withClient(command, async (client, { json }) => {
          const id = await resolveExecutionId(client, given);
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
