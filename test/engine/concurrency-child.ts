/**
 * Child process of the multi-process concurrency test: one runner of the `per-key` workflow
 * (limit 1 per `key`), printing `span <key> <n> <start ms> <end ms>` for every task body that
 * ran to its end and `start <key> <n> <ms>` as each one starts. Runs until stdin says `stop`
 * (or it is killed). Args: url, schema ('' for none), label, body duration in ms.
 */
import { quietLogger } from '../helpers/quiet-logger.js';
import { createInterface } from 'node:readline';
import { DefaultRunner } from '../../src/index.js';
import { perKey } from './concurrency-fixtures.js';

const [url, schema, label, bodyMs] = process.argv.slice(2) as [string, string, string, string];
const runner = await DefaultRunner.create(url, {
  logger: quietLogger,
  // Two bodies at a time: the groups' work has to be shared between the processes.
  maxConcurrentTasks: 2,
  schedulerPollInterval: '20ms',
  heartbeatInterval: '200ms',
  // Fifteen missed heartbeats: a loaded machine delays them, and a claim swept from a live
  // runner would run a body twice.
  staleClaimThreshold: '3s',
  staleClaimSweepInterval: '200ms',
  ...(schema === '' ? {} : { schema }),
});
runner.register(
  perKey(
    (key, n, start, end) => {
      console.log(`span ${key} ${n} ${start} ${end} ${label}`);
    },
    (key, n, start) => console.log(`start ${key} ${n} ${start} ${label}`),
    Number(bodyMs),
  ),
);
console.log(`ready ${label}`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'stop') break;
}
await runner.shutdown();
// stdin stays open, and with it the event loop.
process.exit(0);
