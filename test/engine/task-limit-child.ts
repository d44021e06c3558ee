/**
 * Child process of the multi-process task-limit tests: one runner of `rate-limited`, printing
 * `start <n> <ms> <label>` as each `call` body starts and `span <n> <start ms> <end ms> <label>`
 * when it ends. Runs until stdin says `stop` (or it is killed). Args: url, schema ('' for
 * none), label, limit, body duration in ms, slots (`maxConcurrentTasks`), and `hold` to
 * register the workflow (and so claim its tasks) only once stdin says `go`.
 */
import { quietLogger } from '../helpers/quiet-logger.js';
import { createInterface } from 'node:readline';
import { DefaultRunner } from '../../src/index.js';
import { rateLimited } from './task-limit-fixtures.js';

const [url, schema, label, limit, bodyMs, slots, hold] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
  string,
];
const runner = await DefaultRunner.create(url, {
  logger: quietLogger,
  maxConcurrentTasks: Number(slots),
  schedulerPollInterval: '20ms',
  heartbeatInterval: '200ms',
  staleClaimThreshold: '3s',
  staleClaimSweepInterval: '200ms',
  ...(schema === '' ? {} : { schema }),
});
const register = (): void => {
  runner.register(
    rateLimited(
      Number(limit),
      Number(bodyMs),
      (n, start, end) => console.log(`span ${n} ${start} ${end} ${label}`),
      (n, start) => console.log(`start ${n} ${start} ${label}`),
    ),
  );
};
if (hold !== 'hold') register();
console.log(`ready ${label}`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'go') register();
  if (line === 'stop') break;
}
await runner.shutdown();
// stdin stays open, and with it the event loop.
process.exit(0);
