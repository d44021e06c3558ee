/** `cloacinactl workflows list|show`: the definitions runners stored, and what starts them. */
import type { Command } from 'commander';
import {
  formatDuration,
  NotFoundError,
  type Client,
  type CronSchedule,
  type Page,
  type StoredWorkflow,
  type TriggerSchedule,
} from '../../index.js';
import { withClient } from '../common.js';
import { fields, print, printJson, table } from '../format.js';

/** Rows per page when reading every schedule: the most a page may hold. */
const PAGE = 1000;

/** Every item of a paged list. */
async function readAll<T>(read: (cursor: string | null) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await read(cursor);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return items;
}

/** The trigger and cron schedules that start a workflow. */
interface StartedBy {
  /** Triggers firing it: as their workflow, or named in its `triggers` (fan-out). */
  readonly triggers: readonly TriggerSchedule[];
  readonly cron: readonly CronSchedule[];
}

/**
 * The schedules that start `workflow`. Schedules have no index by workflow, so every one is read
 * and filtered: a few pages at most, even for a large installation.
 */
async function startedBy(client: Client, workflow: StoredWorkflow): Promise<StartedBy> {
  const [triggers, cron] = await Promise.all([
    readAll((cursor) => client.listTriggerSchedulesPage({ limit: PAGE, cursor })),
    readAll((cursor) => client.listCronSchedulesPage({ limit: PAGE, cursor })),
  ]);
  return {
    triggers: triggers.filter(
      (t) => t.workflowName === workflow.name || workflow.triggers.includes(t.triggerName),
    ),
    cron: cron.filter((c) => c.workflowName === workflow.name),
  };
}

/**
 * The `STARTED BY` table: one row per trigger and cron schedule. A trigger the definition names
 * that no runner registered has no schedule, and says so.
 */
function startedByTable(workflow: StoredWorkflow, starts: StartedBy): string {
  const scheduled = new Set(starts.triggers.map((t) => t.triggerName));
  const unscheduled = workflow.triggers.filter((name) => !scheduled.has(name));
  if (starts.triggers.length + starts.cron.length + unscheduled.length === 0) {
    return `started by: no trigger or cron schedule (start it with 'cloacinactl run ${workflow.name}')`;
  }
  return table(
    ['STARTED BY', 'NAME', 'SCHEDULE', 'ENABLED', 'NEXT RUN'],
    [
      ...starts.triggers.map((t) => [
        'trigger',
        t.triggerName,
        `polled every ${formatDuration(t.pollIntervalMs)}` +
          (t.workflowName === workflow.name ? '' : ` (fan-out of ${t.workflowName})`),
        t.enabled,
        null,
      ]),
      ...unscheduled.map((name) => [
        'trigger',
        name,
        'no schedule: no runner registered this trigger',
        null,
        null,
      ]),
      ...starts.cron.map((c) => [
        'cron',
        c.id,
        `${c.expression} (${c.timezone})`,
        c.enabled,
        c.nextRunAt,
      ]),
    ],
  );
}

/** Adds the `workflows` commands to `program`. */
export function addWorkflowCommands(program: Command): void {
  const workflows = program.command('workflows').description('stored workflow definitions');

  workflows
    .command('list')
    .description('list workflows (latest version of each) that runners registered')
    .action((_options: object, command: Command) =>
      withClient(command, async (client, { json }) => {
        const list = await client.listWorkflows();
        if (json === true) return printJson(list);
        if (list.length === 0)
          return print('No workflows stored yet: start a runner or a daemon that registers some.');
        print(
          table(
            ['NAME', 'VERSION', 'TASKS', 'REGISTERED', 'DESCRIPTION'],
            list.map((w) => [w.name, w.version, w.tasks.length, w.registeredAt, w.description]),
          ),
        );
      }),
    );

  workflows
    .command('show <name>')
    .description(
      'show a workflow definition: tasks and dependencies, and the triggers and cron schedules that start it',
    )
    .option('--version <version>', 'a specific stored version')
    .action((name: string, options: { version?: string }, command: Command) =>
      withClient(command, async (client, { json }) => {
        const workflow = await client.getWorkflow(name, options.version);
        if (workflow === null) {
          throw new NotFoundError(
            `No stored workflow named '${name}'${options.version !== undefined ? ` with version ${options.version}` : ''}; 'cloacinactl workflows list' shows them.`,
          );
        }
        const starts = await startedBy(client, workflow);
        if (json === true) return printJson({ ...workflow, startedBy: starts });
        print(
          fields([
            ['name', workflow.name],
            ['version', workflow.version],
            ['description', workflow.description],
            ['registered', workflow.registeredAt],
            ['registered by', workflow.registeredBy],
          ]),
        );
        print('');
        print(
          table(
            ['TASK', 'DEPENDS ON'],
            workflow.tasks.map((t) => [t.id, t.dependencies.join(', ')]),
          ),
        );
        print('');
        print(startedByTable(workflow, starts));
      }),
    );
}
