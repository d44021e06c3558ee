import { describe, expect, it } from 'vitest';
import { ConfigError, task, workflow } from '../../src/index.js';
import { createRunner, stopRunner } from '../helpers/backend.js';

/** The value of one sample line of a Prometheus text exposition, or undefined. */
function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('metrics', () => {
  it('counts workflows and task attempts by status, with durations', async () => {
    const runner = await createRunner();
    let calls = 0;
    runner.register(
      workflow({
        name: 'measured',
        tasks: [
          task({ id: 'ok' }, () => undefined),
          task({ id: 'flaky', retry: { attempts: 2, initialDelay: '5ms', jitter: false } }, () => {
            calls += 1;
            if (calls === 1) throw new Error('once');
          }),
        ],
      }),
    );
    runner.register(
      workflow({
        name: 'broken',
        tasks: [
          task({ id: 'x', retry: { attempts: 1 } }, () => {
            throw new Error('no');
          }),
        ],
      }),
    );
    await runner.execute('measured');
    await runner.execute('measured');
    await runner.execute('broken');
    const text = await runner.metrics();
    expect(sample(text, 'cloacina_workflows_total', 'status="completed"')).toBe(2);
    expect(sample(text, 'cloacina_workflows_total', 'status="failed"')).toBe(1);
    expect(sample(text, 'cloacina_tasks_total', 'status="completed"')).toBe(4);
    expect(sample(text, 'cloacina_tasks_total', 'status="retried"')).toBe(1);
    expect(sample(text, 'cloacina_tasks_total', 'status="failed"')).toBe(1);
    expect(sample(text, 'cloacina_workflow_duration_seconds_count', 'status="completed"')).toBe(2);
    expect(
      sample(text, 'cloacina_claim_attempts_total', 'outcome="claimed"'),
    ).toBeGreaterThanOrEqual(6);
    expect(text).toMatch(/^cloacina_active_workflows 0$/m);
    await stopRunner(runner);
  });
});

describe('metric labels and process metrics', () => {
  it('has no runner_id label by default, so a restart makes no new series', async () => {
    const runner = await createRunner();
    runner.register(workflow({ name: 'one', tasks: [task({ id: 'x' }, () => undefined)] }));
    await runner.execute('one');
    const text = await runner.metrics();
    expect(sample(text, 'cloacina_workflows_total', 'status="completed"')).toBe(1);
    expect(text).not.toContain('runner_id');
    await stopRunner(runner);
  });

  it('labels every cloacina series with runner_id when asked to', async () => {
    const runner = await createRunner({ metrics: { runnerIdLabel: true } });
    runner.register(workflow({ name: 'one', tasks: [task({ id: 'x' }, () => undefined)] }));
    await runner.execute('one');
    const text = await runner.metrics();
    const label = `runner_id="${runner.runnerId}"`;
    expect(sample(text, 'cloacina_workflows_total', label)).toBe(1);
    const series = text.split('\n').filter((l) => l.startsWith('cloacina_'));
    expect(series.length).toBeGreaterThan(0);
    expect(series.filter((l) => !l.includes(label))).toEqual([]);
    await stopRunner(runner);
  });

  it('includes the Node.js process metrics, once, in every runner of a process', async () => {
    const a = await createRunner();
    const b = await createRunner();
    for (const runner of [a, b]) {
      const text = await runner.metrics();
      expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
      expect(text).toMatch(/^nodejs_heap_size_total_bytes \d/m);
      expect(text.match(/^# TYPE process_cpu_user_seconds_total /gm)).toHaveLength(1);
    }
    await stopRunner(a);
    await stopRunner(b);
  });

  it('refuses a metrics option of the wrong type or name, naming it', async () => {
    const error: unknown = await createRunner({
      metrics: { runnerIdLabel: 'yes', label: true } as never,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      "unknown metrics key 'label'; use runnerIdLabel or processMetrics.",
      'metrics.runnerIdLabel must be true or false, received "yes".',
    ]);
  });

  it('leaves the process metrics out when the application exposes them itself', async () => {
    const runner = await createRunner({ metrics: { processMetrics: false } });
    const text = await runner.metrics();
    expect(text).toContain('cloacina_active_tasks');
    expect(text).not.toMatch(/^(process|nodejs)_/m);
    await stopRunner(runner);
  });
});

describe('trigger metrics', () => {
  it('counts polls by outcome', async () => {
    const { defineTrigger, TriggerResult } = await import('../../src/index.js');
    const runner = await createRunner({ triggerBasePollInterval: '20ms' });
    runner.register(workflow({ name: 'target', tasks: [task({ id: 'a' }, () => undefined)] }));
    let polls = 0;
    await runner.registerTrigger(
      defineTrigger({ name: 'counted', pollInterval: '20ms' }, () => {
        polls += 1;
        return polls === 2 ? TriggerResult.fire({ n: 1 }) : TriggerResult.skip('nothing');
      }),
      'target',
    );
    // Poll the exposition until both outcomes are counted (the fire is recorded after its
    // transaction commits, a moment after poll() returned).
    let text = '';
    const deadline = Date.now() + 10_000;
    do {
      await new Promise((r) => setTimeout(r, 20));
      text = await runner.metrics();
    } while (
      ((sample(text, 'cloacina_trigger_polls_total', 'outcome="fire"') ?? 0) < 1 ||
        (sample(text, 'cloacina_trigger_polls_total', 'outcome="skip"') ?? 0) < 2) &&
      Date.now() < deadline
    );
    expect(polls).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'cloacina_trigger_polls_total', 'outcome="fire"')).toBe(1);
    expect(sample(text, 'cloacina_trigger_polls_total', 'outcome="skip"')).toBeGreaterThanOrEqual(
      2,
    );
    await stopRunner(runner);
  });
});

describe('claim efficiency', () => {
  it('does not spend a claim query on every freed slot when nothing is waiting', async () => {
    // A 10 s backstop tick keeps its own passes out of the count.
    const runner = await createRunner({ schedulerPollInterval: '10s' });
    runner.register(workflow({ name: 'one', tasks: [task({ id: 'x' }, () => undefined)] }));
    for (let i = 0; i < 30; i += 1) expect((await runner.execute('one')).status).toBe('Completed');
    const text = await runner.metrics();
    expect(sample(text, 'cloacina_claim_attempts_total', 'outcome="claimed"')).toBe(30);
    // Each freed slot used to trigger a pass that found nothing: ~1 empty claim per workflow.
    expect(
      sample(text, 'cloacina_claim_attempts_total', 'outcome="empty"') ?? 0,
    ).toBeLessThanOrEqual(5);
    await stopRunner(runner);
  });
});
