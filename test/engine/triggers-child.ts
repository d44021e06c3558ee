/**
 * Child process of the multi-process trigger test: one runner polling the shared trigger for
 * `durationMs`, printing `poll <label> <epoch ms>` for every poll it makes.
 * Args: url, schema ('' for none), label, durationMs.
 */
import { quietLogger } from '../helpers/quiet-logger.js';
import { DefaultRunner, defineTrigger, task, workflow } from '../../src/index.js';

const [url, schema, label, duration] = process.argv.slice(2) as [string, string, string, string];
const runner = await DefaultRunner.create(url, {
  triggerBasePollInterval: '20ms',
  logger: quietLogger,
  ...(schema === '' ? {} : { schema }),
});
runner.register(workflow({ name: 'wf', tasks: [task({ id: 'noop' }, () => undefined)] }));
await runner.registerTrigger(
  defineTrigger({ name: 'shared', pollInterval: '200ms' }, () => {
    console.log(`poll ${label} ${Date.now()}`);
    return false;
  }),
  'wf',
);
console.log(`ready ${label} ${Date.now()}`);
await new Promise((resolve) => setTimeout(resolve, Number(duration)));
console.log(`stopping ${label} ${Date.now()}`);
await runner.shutdown();
