/**
 * Child process of the cron runner tests: `node --import tsx cron-crash-child.ts <url> <schema>
 * <workflow> <runMs>` opens a runner (schema only on PostgreSQL), registers a one-task workflow
 * and shuts down after `runMs`. With CLOACINA_FAULT_CRON_KILL_BEFORE_HANDOFF=1 the cron loop
 * kills this process with SIGKILL inside its first claim instead, after the compare-and-set and
 * before the hand-off commits.
 */
import { DefaultRunner, task, workflow } from '../../src/index.js';

const quietLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => quietLogger,
};

const [url, schema, workflowName, runMs] = process.argv.slice(2);
const runner = await DefaultRunner.create(url!, {
  logger: quietLogger,
  cronPollInterval: '100ms',
  ...(schema !== undefined && schema !== '' ? { schema } : {}),
});
runner.register(workflow({ name: workflowName!, tasks: [task({ id: 'work' }, () => undefined)] }));
setTimeout(() => {
  void runner.shutdown().then(() => process.exit(0));
}, Number(runMs));
