/**
 * The execution page against a real runner on the server's database: a held task's node turns
 * Completed live when its gate opens; Cancel stops a running execution, Pause and Resume steer
 * one; a failed run explains itself inline (the error, the skip reason, both attempts and the
 * skip marker on the timeline); the steering buttons follow the key's scope; a rerun from failure
 * opens the new execution; an unknown id says so. Screenshots at both widths, light and dark.
 */
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { task, workflow, type DefaultRunner } from '../../src/index.js';
import { formatTime, shortId } from '../../ui/src/format.js';
import { createRunner, stopRunner } from '../helpers/backend.js';
import type { TestServer } from '../helpers/server.js';
import {
  Gate,
  registerEtl,
  registerHeld,
  TRANSFORM_ERROR,
  type EtlControl,
} from './execution-workflows.js';
import {
  closePage,
  openPage as openHarnessPage,
  screenshot,
  startUiServer,
  WIDTHS,
  type OpenOptions,
} from './harness.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/** A server and a runner on its database, stopped after the test. */
async function setup(): Promise<{ server: TestServer; runner: DefaultRunner }> {
  const server = await startUiServer();
  const runner = await createRunner({}, server.dbUrl);
  cleanup.push(() => stopRunner(runner, { graceful: false }));
  return { server, runner };
}

/** Starts `held` and resolves once its `hold` task runs (at the gate). */
async function startHeld(server: TestServer, runner: DefaultRunner, gate: Gate) {
  registerHeld(runner, gate);
  cleanup.push(async () => gate.open());
  await runner.definitionsStored();
  const handle = await runner.executeAsync('held');
  await expect
    .poll(async () => (await server.client.getExecutionTask(handle.executionId, 'hold')).status, {
      timeout: 15_000,
    })
    .toBe('Running');
  return handle.executionId;
}

/** Runs `nightly-etl` to its end (Failed while `transformFails`). */
async function runEtl(runner: DefaultRunner): Promise<{ id: string; control: EtlControl }> {
  const control = registerEtl(runner);
  await runner.definitionsStored();
  const result = await runner.execute('nightly-etl');
  return { id: result.executionId, control };
}

/**
 * Opens a page whose element lookups give up after 10 s, so a missing element fails its poll
 * with a message instead of holding the test until its timeout.
 */
async function openPage(server: TestServer, options: OpenOptions): Promise<Page> {
  const page = await openHarnessPage(server, options);
  page.setDefaultTimeout(10_000);
  return page;
}

const node = (page: Page, taskId: string) => page.locator(`g.dag-node[data-task="${taskId}"]`);
const badge = (page: Page) => page.locator('.exec-status .badge');
const row = (page: Page, taskId: string) => page.locator(`.tl-row[data-task="${taskId}"]`);

describe('the execution page', () => {
  it('follows a running execution: the held node turns Completed without a reload', async () => {
    const { server, runner } = await setup();
    const gate = new Gate();
    const id = await startHeld(server, runner, gate);
    const page = await openPage(server, { key: server.keys.read, hash: `#/executions/${id}` });
    await expect.poll(() => node(page, 'hold').getAttribute('data-status')).toBe('Running');
    expect(await node(page, 'hold').getAttribute('aria-label')).toBe('task hold, Running');
    expect(await node(page, 'prepare').getAttribute('data-status')).toBe('Completed');
    expect(await node(page, 'finish').getAttribute('data-status')).toBe('NotStarted');
    expect(await badge(page).textContent()).toBe('Running');
    await page.locator('.live[data-connected="true"]').waitFor();
    // The panel opens on the running task, with the line it logged so far.
    await expect.poll(() => page.locator('.task-panel').getAttribute('data-task')).toBe('hold');
    await expect
      .poll(() => page.locator('.log-lines').textContent())
      .toContain('waiting at the gate');

    // The running attempt grows to "now" while nothing happens (the chart ends at now, so its
    // length is in its words, not its width).
    const bar = row(page, 'hold').locator('.tl-bar');
    const seconds = async () => {
      const label = (await bar.getAttribute('aria-label')) ?? '';
      const match = /Running, ([\d.]+) (ms|s)/.exec(label);
      if (match === null) return 0;
      return Number(match[1]) / (match[2] === 'ms' ? 1000 : 1);
    };
    const before = await seconds();
    await expect.poll(seconds, { timeout: 10_000 }).toBeGreaterThan(before + 0.9);

    // Marks this document: a reload would lose the mark.
    await page.evaluate("document.body.setAttribute('data-mark', 'same-document')");
    gate.open();
    await expect.poll(() => node(page, 'hold').getAttribute('data-status')).toBe('Completed');
    await expect.poll(() => badge(page).textContent()).toBe('Completed');
    await expect.poll(() => node(page, 'finish').getAttribute('data-status')).toBe('Completed');
    // The line logged after the gate arrived from the stream.
    await expect.poll(() => page.locator('.log-lines').textContent()).toContain('gate opened');
    expect(await page.locator('body').getAttribute('data-mark')).toBe('same-document');
    await closePage(page);
  });

  it('cancels a running execution from the page', async () => {
    const { server, runner } = await setup();
    const gate = new Gate();
    const id = await startHeld(server, runner, gate);
    const page = await openPage(server, { key: server.keys.operate, hash: `#/executions/${id}` });
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.accept();
    });
    await expect.poll(() => node(page, 'hold').getAttribute('data-status')).toBe('Running');
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect.poll(() => badge(page).textContent()).toBe('Cancelled');
    expect(dialogs).toHaveLength(1);
    await expect.poll(() => node(page, 'hold').getAttribute('data-status')).toBe('Cancelled');
    await expect.poll(() => node(page, 'finish').getAttribute('data-status')).toBe('Cancelled');
    // Ended: no more Cancel or Pause, the reruns instead.
    await page.getByRole('button', { name: 'Rerun from start' }).waitFor();
    expect(await page.getByRole('button', { name: 'Cancel', exact: true }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Pause', exact: true }).count()).toBe(0);
    expect((await server.client.getExecutionSummary(id)).status).toBe('Cancelled');
    await closePage(page);
  });

  it('shows a delayed execution as Scheduled with its start time, and cancels it', async () => {
    const { server, runner } = await setup();
    registerHeld(runner, new Gate());
    await runner.definitionsStored();
    const runAt = new Date(Date.now() + 3 * 3_600_000);
    const { executionId: id } = await runner.executeAsync('held', {}, { runAt });
    const page = await openPage(server, {
      key: server.keys.operate,
      hash: `#/executions/${id}`,
      timezoneId: 'UTC',
    });
    page.on('dialog', (dialog) => void dialog.accept());
    await expect.poll(() => badge(page).textContent()).toBe('Scheduled');
    const shown = await page.getByTestId('execution-run-at').textContent();
    expect(shown).toBe(formatTime(runAt.toISOString(), 'UTC'));
    const note = page.getByRole('note').filter({ hasText: 'Scheduled to start at' });
    expect(await note.textContent()).toContain(formatTime(runAt.toISOString(), 'UTC'));
    expect(await page.getByRole('button', { name: 'Pause', exact: true }).count()).toBe(1);
    await screenshot(page, 'execution-scheduled');
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect.poll(() => badge(page).textContent()).toBe('Cancelled');
    expect((await server.client.getExecutionSummary(id)).status).toBe('Cancelled');
    await closePage(page);
  });

  it('shows an execution waiting for a place as Queued with its group, until it starts', async () => {
    const { server, runner } = await setup();
    const gate = new Gate();
    cleanup.push(async () => gate.open());
    runner.register(
      workflow({
        name: 'sync',
        concurrency: { limit: 1, key: (ctx) => ctx['customer'] as string },
        tasks: [task({ id: 'work' }, (_ctx, handle) => gate.wait(handle.signal))],
      }),
    );
    await runner.definitionsStored();
    await runner.executeAsync('sync', { customer: 'c-42' });
    const { executionId: id } = await runner.executeAsync('sync', { customer: 'c-42' });
    const page = await openPage(server, { key: server.keys.operate, hash: `#/executions/${id}` });
    await expect.poll(() => badge(page).textContent()).toBe('Queued');
    const note = page.getByRole('note').filter({ hasText: 'Queued for a place' });
    expect(await note.textContent()).toContain("(key 'c-42', limit 1)");
    expect(await page.getByTestId('execution-priority').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Pause', exact: true }).count()).toBe(1);
    await screenshot(page, 'execution-queued');
    // The first one ends: this one gets the place, runs and completes, live.
    gate.open();
    await expect.poll(() => badge(page).textContent(), { timeout: 15_000 }).toBe('Completed');
    expect(await note.count()).toBe(0);
    await closePage(page);
  });

  it('shows an execution waiting for a rate window as Queued with its rate group', async () => {
    const { server, runner } = await setup();
    runner.register(
      workflow({
        name: 'partner',
        // One start per hour: the second waits for the next window whatever happens meanwhile.
        rateLimit: { limit: 1, period: '1h', key: (ctx) => ctx['partner'] as string },
        tasks: [task({ id: 'call' }, () => undefined)],
      }),
    );
    await runner.definitionsStored();
    await runner.executeAsync('partner', { partner: 'acme' });
    const { executionId: id } = await runner.executeAsync(
      'partner',
      { partner: 'acme' },
      { priority: 5 },
    );
    const page = await openPage(server, { key: server.keys.operate, hash: `#/executions/${id}` });
    page.on('dialog', (dialog) => void dialog.accept());
    await expect.poll(() => badge(page).textContent()).toBe('Queued');
    const note = page
      .getByRole('note')
      .filter({ hasText: "Queued under the workflow's rate limit" });
    expect(await note.textContent()).toContain("(key 'acme', 1 per 1 h 00 min)");
    // Started with a priority: the header says so (the default, 0, is not shown).
    expect(await page.getByTestId('execution-priority').textContent()).toBe('+5');
    await screenshot(page, 'execution-queued-rate');
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect.poll(() => badge(page).textContent()).toBe('Cancelled');
    await closePage(page);
  });

  it('pauses and resumes a running execution from the page', async () => {
    const { server, runner } = await setup();
    const gate = new Gate();
    const id = await startHeld(server, runner, gate);
    const page = await openPage(server, { key: server.keys.operate, hash: `#/executions/${id}` });
    await expect.poll(() => badge(page).textContent()).toBe('Running');
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await expect.poll(() => badge(page).textContent()).toBe('Paused');
    expect(await page.locator('.exec-head .skip-box').textContent()).toContain(
      'nothing new starts',
    );
    expect(await page.getByRole('button', { name: 'Pause', exact: true }).count()).toBe(0);
    // Paused, the running task finishes but the next one does not start.
    gate.open();
    await expect.poll(() => node(page, 'hold').getAttribute('data-status')).toBe('Completed');
    expect(await node(page, 'finish').getAttribute('data-status')).not.toBe('Completed');
    await page.getByRole('button', { name: 'Resume', exact: true }).click();
    await expect.poll(() => badge(page).textContent()).toBe('Completed');
    // The header and the graph are two reads: the graph may land a moment after the badge.
    await expect.poll(() => node(page, 'finish').getAttribute('data-status')).toBe('Completed');
    await closePage(page);
  });

  it('explains a failed run inline: error, skip reason, both attempts and the skip marker', async () => {
    const { server, runner } = await setup();
    const { id } = await runEtl(runner);
    const page = await openPage(server, { key: server.keys.read, hash: `#/executions/${id}` });

    await expect.poll(() => badge(page).textContent()).toBe('Failed');
    // Above the fold, without a click: the failure and the skips with their reasons.
    const problems = page.getByRole('region', { name: 'Problems' });
    await expect
      .poll(() => problems.locator('[data-task="transform"]').textContent())
      .toContain(TRANSFORM_ERROR);
    expect(await problems.locator('[data-task="transform"]').textContent()).toContain(
      'after 2 attempts',
    );
    const loadSkip = await problems.locator('[data-task="load"]').textContent();
    expect(loadSkip).toContain('Skipped');
    expect(loadSkip).toContain('transform');
    expect(await problems.locator('[data-task="enrich"]').textContent()).toContain('429');

    // The graph: every task, the skipped ones included.
    for (const [taskId, status] of [
      ['extract', 'Completed'],
      ['enrich', 'Completed'],
      ['transform', 'Failed'],
      ['load', 'Skipped'],
      ['report', 'Skipped'],
      ['audit', 'Completed'],
    ] as const) {
      expect(await node(page, taskId).getAttribute('data-status'), taskId).toBe(status);
    }
    expect(await page.locator('path.dag-edge').count()).toBe(7);

    // The timeline: both attempts of transform, failed; the skip as a marker at its time,
    // before the end of audit, which ran on.
    const bars = row(page, 'transform').locator('.tl-bar');
    await expect.poll(() => bars.count()).toBe(2);
    expect(await bars.nth(0).getAttribute('data-outcome')).toBe('Failed');
    expect(await bars.nth(0).getAttribute('aria-label')).toContain('Failed, retried');
    expect(await bars.nth(1).getAttribute('data-outcome')).toBe('Failed');
    expect(await row(page, 'enrich').locator('.tl-bar').count()).toBe(2);
    const marker = row(page, 'load').locator('.tl-marker[data-kind="skipped"]');
    expect(await marker.count()).toBe(1);
    expect(await row(page, 'load').locator('.tl-bar').count()).toBe(0);
    const markerBox = (await marker.boundingBox())!;
    const lastAttempt = (await bars.nth(1).boundingBox())!;
    const audit = (await row(page, 'audit').locator('.tl-bar').boundingBox())!;
    const markerX = markerBox.x + markerBox.width / 2;
    expect(Math.abs(markerX - (lastAttempt.x + lastAttempt.width))).toBeLessThan(12);
    expect(markerX).toBeLessThan(audit.x + audit.width - 20);

    // The panel opens on the failed task: its error inline, both attempts, its log and input.
    const panel = page.locator('.task-panel');
    expect(await panel.getAttribute('data-task')).toBe('transform');
    expect(await panel.locator('.task-error').textContent()).toContain(TRANSFORM_ERROR);
    expect(await panel.locator('table.attempts tbody tr').count()).toBe(2);
    await expect.poll(() => panel.locator('.log-lines').textContent()).toContain('bad amount');
    await panel.getByLabel('Attempt', { exact: true }).selectOption('1');
    await expect
      .poll(() => panel.locator('.log-lines').getAttribute('aria-label'))
      .toBe('Log of transform, attempt 1');
    const input = panel.getByRole('group', { name: 'Input context of transform' });
    expect(await input.textContent()).toContain('{3 keys}');
    await input.getByRole('button', { name: 'Expand "orders"' }).click();
    await expect.poll(() => input.textContent()).toContain('"count": 1284');

    // The skipped task's own panel gives its reason.
    await node(page, 'load').click();
    await expect.poll(() => panel.getAttribute('data-task')).toBe('load');
    expect(await panel.locator('.skip-box').textContent()).toContain('transform');

    // Back to the failed task for the pictures.
    await node(page, 'transform').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => panel.getAttribute('data-task')).toBe('transform');
    await expect.poll(() => panel.locator('.log-lines').count()).toBe(1);
    // The picture shows the selection, not the keyboard focus ring.
    await page.evaluate('document.activeElement?.blur()');
    await page.mouse.move(0, 0);
    await screenshot(page, 'execution-detail-1280');
    await closePage(page);

    const phone = await openPage(server, {
      key: server.keys.read,
      width: WIDTHS.phone,
      hash: `#/executions/${id}`,
    });
    await expect.poll(() => phone.locator('.task-panel .log-lines').count()).toBe(1);
    // Nothing overflows the page: wide parts scroll inside their boxes.
    expect(
      await phone.evaluate<number>('document.documentElement.scrollWidth'),
    ).toBeLessThanOrEqual(WIDTHS.phone);
    await screenshot(phone, 'execution-detail-390');
    await closePage(phone);

    const dark = await openPage(server, {
      key: server.keys.read,
      colorScheme: 'dark',
      hash: `#/executions/${id}`,
    });
    await expect.poll(() => dark.locator('.task-panel .log-lines').count()).toBe(1);
    await screenshot(dark, 'execution-detail-1280-dark');
    await closePage(dark);
  });

  it('shows the steering buttons to an operate key only', async () => {
    const { server, runner } = await setup();
    const gate = new Gate();
    const running = await startHeld(server, runner, gate);
    const { id: failed } = await runEtl(runner);
    const buttons = ['Cancel', 'Pause', 'Rerun from failure', 'Rerun from start'];
    const shown = async (page: Page) => {
      const names: string[] = [];
      for (const name of buttons) {
        if ((await page.getByRole('button', { name, exact: true }).count()) > 0) names.push(name);
      }
      return names;
    };

    for (const [key, onRunning, onFailed] of [
      [server.keys.read, [], []],
      [server.keys.operate, ['Cancel', 'Pause'], ['Rerun from failure', 'Rerun from start']],
    ] as const) {
      const page = await openPage(server, { key, hash: `#/executions/${running}` });
      await expect.poll(() => node(page, 'hold').getAttribute('data-status')).toBe('Running');
      expect(await shown(page)).toEqual(onRunning);
      await page.evaluate(`location.hash = '#/executions/${failed}'`);
      await expect.poll(() => badge(page).textContent()).toBe('Failed');
      expect(await shown(page)).toEqual(onFailed);
      await closePage(page);
    }
  });

  it('reruns a failed execution from its failure and opens the new one', async () => {
    const { server, runner } = await setup();
    const { id, control } = await runEtl(runner);
    control.transformFails = false;
    const page = await openPage(server, { key: server.keys.operate, hash: `#/executions/${id}` });
    await expect.poll(() => badge(page).textContent()).toBe('Failed');
    await page.getByRole('button', { name: 'Rerun from failure' }).click();
    await expect.poll(() => page.evaluate<string>('location.hash')).not.toBe(`#/executions/${id}`);
    const rerunId = (await page.evaluate<string>('location.hash')).replace('#/executions/', '');
    expect(rerunId).toMatch(/^[0-9a-f-]{36}$/);
    // The new execution links back, runs live to its end, and the old one links forward.
    const back = page.locator('.facts').getByRole('link', { name: shortId(id) });
    await back.waitFor();
    expect(await back.getAttribute('href')).toBe(`#/executions/${id}`);
    await expect.poll(() => badge(page).textContent(), { timeout: 20_000 }).toBe('Completed');
    await expect.poll(() => node(page, 'load').getAttribute('data-status')).toBe('Completed');
    // A task that completed before the failure was carried over, not run again, and says so.
    await node(page, 'extract').click();
    await expect.poll(() => page.locator('.task-panel').textContent()).toContain('Carried over');
    await back.click();
    await expect.poll(() => badge(page).textContent()).toBe('Failed');
    const forward = page.locator('.facts').getByRole('link', { name: shortId(rerunId) });
    await forward.waitFor();
    expect(await forward.getAttribute('href')).toBe(`#/executions/${rerunId}`);
    await closePage(page);
  });

  it('says clearly when there is no such execution', async () => {
    const { server } = await setup();
    const page = await openPage(server, {
      key: server.keys.read,
      hash: '#/executions/0193a6f2-0000-7000-8000-000000000000',
    });
    await page.getByRole('heading', { name: 'Execution not found' }).waitFor();
    await closePage(page);
  });
});
