/**
 * Child process of the cron runner tests: `node --import tsx cron-crash-child.ts <url> <schema>
 * <workflow> <runMs> [kill-before-handoff]` opens a runner (schema only on PostgreSQL),
 * registers a one-task workflow and shuts down after `runMs`. With `kill-before-handoff` the
 * runner is created with a fault that kills this process with SIGKILL inside its first cron
 * claim instead, after the compare-and-set and before the hand-off commits.
 */
import { FAULTS, type Faults } from '../../src/faults.js';
import { DefaultRunner, task, workflow } from '../../src/index.js';

const quietLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => quietLogger,
};

const [url, schema, workflowName, runMs, fault] = process.argv.slice(2);
const faults: Faults =
  fault === 'kill-before-handoff'
    ? { cronBeforeHandOff: () => process.kill(process.pid, 'SIGKILL') }
    : {};
const runner = await DefaultRunner.create(url!, {
  logger: quietLogger,
  cronPollInterval: '100ms',
  ...(schema !== undefined && schema !== '' ? { schema } : {}),
  [FAULTS]: faults,
});
runner.register(workflow({ name: workflowName!, tasks: [task({ id: 'work' }, () => undefined)] }));
setTimeout(() => {
  void runner.shutdown().then(() => process.exit(0));
}, Number(runMs));
