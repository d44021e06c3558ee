/**
 * Child process of the multi-process rate limit test: one runner of the `rated-per-key`
 * workflow, printing `start <n> <ms> <label>` as each task body starts. Runs until stdin says
 * `stop`. Args: url, schema ('' for none), label.
 */
import { createInterface } from 'node:readline';
import { DefaultRunner } from '../../src/index.js';
import { quietLogger } from '../helpers/quiet-logger.js';
import { ratedPerKey } from './rate-limits-fixtures.js';

const [url, schema, label] = process.argv.slice(2) as [string, string, string];
const runner = await DefaultRunner.create(url, {
  logger: quietLogger,
  maxConcurrentTasks: 4,
  schedulerPollInterval: '20ms',
  ...(schema === '' ? {} : { schema }),
});
runner.register(ratedPerKey((n, at) => console.log(`start ${n} ${at} ${label}`)));
console.log(`ready ${label}`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'stop') break;
}
await runner.shutdown();
// stdin stays open, and with it the event loop.
process.exit(0);
