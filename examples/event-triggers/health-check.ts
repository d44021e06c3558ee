/**
 * Event triggers, the tutorial's health-check trigger: a class-style trigger keeps a count of
 * consecutive failed checks on `this` (the runner keeps the very object it was given) and fires
 * a recovery workflow after `failureThreshold` failures in a row. It de-duplicates
 * (`allowConcurrent: false`), so a second recovery of the same service cannot start while one
 * is still running.
 *
 * Run it with `npx tsx examples/event-triggers/health-check.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DefaultRunner,
  TriggerResult,
  task,
  workflow,
  type Trigger,
  type TriggerRunContext,
} from '../../src/index.js';
import { quietLogger, say, sleep } from './shared.js';

/** A pretend service that goes down for a while and comes back when restarted. */
const service = { name: 'payments-api', healthy: true, restarts: 0 };

class HealthCheckTrigger implements Trigger {
  readonly name = 'health_check';
  readonly pollInterval = '100ms';
  readonly allowConcurrent = false;
  readonly workflow = 'recover_service';
  private consecutiveFailures = 0;

  constructor(
    private readonly serviceName: string,
    private readonly failureThreshold: number,
  ) {}

  /** In real code: an HTTP probe honouring `signal`. */
  private checkHealth(_signal: AbortSignal): Promise<boolean> {
    return Promise.resolve(service.healthy);
  }

  async poll(signal: AbortSignal): Promise<TriggerResult> {
    if (await this.checkHealth(signal)) {
      this.consecutiveFailures = 0;
      return TriggerResult.skip('healthy');
    }
    this.consecutiveFailures += 1;
    say(`check failed (${this.consecutiveFailures}/${this.failureThreshold} in a row)`);
    if (this.consecutiveFailures < this.failureThreshold) {
      return TriggerResult.skip(`${this.consecutiveFailures} consecutive failures`);
    }
    const failures = this.consecutiveFailures;
    this.consecutiveFailures = 0;
    say(`threshold reached → fire recovery of ${this.serviceName}`);
    return TriggerResult.fire({ service_name: this.serviceName, consecutive_failures: failures });
  }
}

/** The keys of a recovery run: what the trigger fires, what the engine adds, what verify writes. */
interface Recovery extends TriggerRunContext {
  service_name: string;
  consecutive_failures: number;
  healthy_again: boolean;
}

const restart = task<Recovery>({ id: 'restart_service' }, async (ctx) => {
  say(
    `recovery: restarting ${ctx.require('service_name')} after ${ctx.require('consecutive_failures')} failures`,
  );
  await sleep(200);
  service.healthy = true;
  service.restarts += 1;
});
const verify = task<Recovery>(
  { id: 'verify_service', dependencies: ['restart_service'] },
  (ctx) => {
    ctx.insert('healthy_again', service.healthy);
    say(
      `recovery: ${ctx.require('service_name')} healthy again (triggered at ${ctx.require('triggered_at')})`,
    );
  },
);

const root = mkdtempSync(join(tmpdir(), 'cloacina-health-'));
const runner = await DefaultRunner.create(`sqlite://${join(root, 'health.db')}`, {
  triggerBasePollInterval: '50ms',
  logger: quietLogger,
});
runner.register(workflow({ name: 'recover_service', tasks: [restart, verify] }));
await runner.registerTrigger(new HealthCheckTrigger(service.name, 3));

for (const outageAt of [400, 1800]) {
  await sleep(outageAt === 400 ? 400 : 1000);
  say(`${service.name} goes down`);
  service.healthy = false;
  const deadline = Date.now() + 3000;
  while (!service.healthy && Date.now() < deadline) await sleep(50);
}
await sleep(300);

const schedule = await runner.getTriggerSchedule('health_check');
const history = await runner.getTriggerExecutionHistory('health_check');
say(
  `done: ${service.restarts} restarts, ${history.filter((h) => h.status === 'completed').length} recoveries ` +
    `completed, ${schedule?.skips ?? 0} healthy/under-threshold polls skipped`,
);
await runner.shutdown();
rmSync(root, { recursive: true, force: true });
