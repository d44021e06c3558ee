/**
 * Event triggers, the tutorial's queue-depth trigger: fire a drain workflow whenever a queue is
 * deeper than a threshold. `allowConcurrent: true` turns de-duplication off completely, so two
 * fires with the same context (the same depth) both start a drain and drains run side by side.
 *
 * Run it with `npx tsx examples/event-triggers/queue-depth.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultRunner, TriggerResult, defineTrigger, task, workflow } from '../../src/index.js';
import { quietLogger, say, sleep } from './shared.js';

const THRESHOLD = 5;
const BATCH = 4;
const queue: number[] = [];
let drainsRunning = 0;
let peakDrains = 0;

const queueDepth = defineTrigger(
  { name: 'queue_depth', workflow: 'drain_queue', pollInterval: '100ms', allowConcurrent: true },
  () => {
    const depth = queue.length;
    if (depth < THRESHOLD) return TriggerResult.skip(`depth ${depth} < ${THRESHOLD}`);
    say(`poll: depth ${depth} ≥ ${THRESHOLD} → fire (drains running: ${drainsRunning})`);
    return TriggerResult.fire({ queue_name: 'orders', queue_depth: depth });
  },
);

const drain = task<{ queue_name: string; queue_depth: number; drained: number }>(
  { id: 'drain' },
  async (ctx) => {
    drainsRunning += 1;
    peakDrains = Math.max(peakDrains, drainsRunning);
    const taken = queue.splice(0, BATCH);
    await sleep(350); // handling the batch
    drainsRunning -= 1;
    ctx.insert('drained', taken.length);
    say(
      `drain (saw depth ${ctx.require('queue_depth')}) handled ${taken.length} items; ${queue.length} left`,
    );
  },
);

const root = mkdtempSync(join(tmpdir(), 'cloacina-queue-depth-'));
const runner = await DefaultRunner.create(`sqlite://${join(root, 'queue.db')}`, {
  triggerBasePollInterval: '50ms',
  logger: quietLogger,
});
runner.register(workflow({ name: 'drain_queue', tasks: [drain] }));
await runner.registerTrigger(queueDepth); // the workflow comes from the trigger's `workflow`

// A bursty producer: 3 items every 100 ms for 1.5 s.
for (let tick = 0; tick < 15; tick += 1) {
  queue.push(tick * 3, tick * 3 + 1, tick * 3 + 2);
  await sleep(100);
}
const deadline = Date.now() + 5000;
while ((queue.length >= THRESHOLD || drainsRunning > 0) && Date.now() < deadline) await sleep(50);
await runner.setTriggerEnabled('queue_depth', false);
await sleep(100);

const history = await runner.getTriggerExecutionHistory('queue_depth');
say(
  `done: ${history.length} drains started, none suppressed ` +
    `(${history.filter((h) => h.status === 'deduplicated').length} deduplicated), ` +
    `at most ${peakDrains} drains at once, ${queue.length} items left below the threshold`,
);
await runner.shutdown();
rmSync(root, { recursive: true, force: true });
