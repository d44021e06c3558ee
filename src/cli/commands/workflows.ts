/** `cloacinactl workflows list|show`: the definitions runners stored. */
import type { Command } from 'commander';
import { NotFoundError } from '../../index.js';
import { withClient } from '../common.js';
import { fields, print, printJson, table } from '../format.js';

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
    .description('show a workflow definition: tasks and dependencies')
    .option('--version <version>', 'a specific stored version')
    .action((name: string, options: { version?: string }, command: Command) =>
      withClient(command, async (client, { json }) => {
        const workflow = await client.getWorkflow(name, options.version);
        if (workflow === null) {
          throw new NotFoundError(
            `No stored workflow named '${name}'${options.version !== undefined ? ` with version ${options.version}` : ''}; 'cloacinactl workflows list' shows them.`,
          );
        }
        if (json === true) return printJson(workflow);
        print(
          fields([
            ['name', workflow.name],
            ['version', workflow.version],
            ['description', workflow.description],
            ['triggers', workflow.triggers.join(', ')],
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
      }),
    );
}
