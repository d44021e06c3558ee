/**
 * The overview against a real runner on the server's database: the last hour's figures and the
 * chart's summary match what ran, the failure is listed with its task's error, the runner is
 * listed, and the figures follow a new execution live (Running, then one more Completed).
 */
import { hostname } from 'node:os';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { task, TaskError, workflow } from '../../src/index.js';
import { createRunner, stopRunner } from '../helpers/backend.js';
import { closePage, openPage, screenshot, startUiServer, WIDTHS } from './harness.js';

/** `expect.poll` with room for a loaded machine (its default is 1 s). */
function poll<T>(read: () => Promise<T> | T) {
  return expect.poll(read, { timeout: 15_000 });
}

/** The figure of the card `label` in the section `testId` ("active" or "last-hour"). */
function figure(page: Page, testId: string, label: string): Promise<string | null> {
  return page.locator(`[data-testid="${testId}"] [data-stat="${label}"] .value`).textContent();
}

describe('the overview', () => {
  it('counts what ran in the last hour, lists the failure and the runner, and follows live', async () => {
    const server = await startUiServer();
    const runner = await createRunner({}, server.dbUrl);
    let open!: () => void;
    const held = new Promise<void>((resolve) => (open = resolve));
    try {
      runner.register(workflow({ name: 'etl', tasks: [task({ id: 'load' }, () => undefined)] }));
      runner.register(
        workflow({
          name: 'report',
          tasks: [
            task({ id: 'render' }, () => {
              throw new TaskError('report source missing: sales.csv', { retryable: false });
            }),
          ],
        }),
      );
      runner.register(workflow({ name: 'slow', tasks: [task({ id: 'wait' }, () => held)] }));
      await runner.definitionsStored();
      for (const name of ['etl', 'etl', 'report', 'etl']) await runner.execute(name);

      const page = await openPage(server, { key: server.keys.read });
      await poll(() => figure(page, 'last-hour', 'Completed')).toBe('3');
      expect(await figure(page, 'last-hour', 'Failed')).toBe('1');
      expect(await figure(page, 'last-hour', 'Cancelled')).toBe('0');
      for (const status of ['Pending', 'Running', 'Paused'])
        expect(await figure(page, 'active', status)).toBe('0');
      // The chart says the same in words, and its bars add up to it.
      expect(await page.locator('.chart-summary').textContent()).toContain(
        '3 completed, 1 failed, 0 cancelled',
      );
      const titles = await page.locator('.chart-bar title').allTextContents();
      const completed = titles.reduce((n, t) => n + Number(/(\d+) completed/.exec(t)?.[1]), 0);
      expect(completed).toBe(3);

      // The failure, with the error of its task.
      const failure = page.locator('.failure-list li');
      await poll(() => failure.locator('.failure-error').textContent()).toBe(
        'render: report source missing: sales.csv',
      );
      expect(await failure.getByRole('link', { name: 'report' }).getAttribute('href')).toBe(
        '#/workflows/report',
      );
      const id = await failure.getAttribute('data-execution-id');
      expect(await failure.locator('a.mono').getAttribute('href')).toBe(`#/executions/${id}`);

      // The runner: this process.
      const row = page.locator('.runners-table tbody tr');
      await poll(() => row.count()).toBe(1);
      expect(await row.locator('td').nth(1).textContent()).toBe(hostname());
      expect(await row.locator('td').nth(2).textContent()).toBe(String(process.pid));

      // Live: a new execution counts as Running, then as one more Completed, without a reload.
      await page.evaluate('window.marker = 1');
      await page.locator('.live[data-connected="true"]').waitFor({ timeout: 15_000 });
      const handle = await runner.executeAsync('slow');
      await poll(() => figure(page, 'active', 'Running')).toBe('1');
      await poll(() => row.locator('td').nth(4).textContent()).toBe('1');
      await screenshot(page, 'overview-1280');
      open();
      await handle.wait();
      await poll(() => figure(page, 'last-hour', 'Completed')).toBe('4');
      expect(await figure(page, 'active', 'Running')).toBe('0');
      expect(await page.evaluate('window.marker')).toBe(1);

      // A figure links to the executions it counts.
      await page.locator('[data-testid="last-hour"] [data-stat="Failed"]').click();
      await poll(() => page.evaluate<string>('location.hash')).toBe(
        '#/executions?status=Failed&range=1h',
      );
      await poll(() => page.locator('tbody tr[data-execution-id]').count()).toBe(1);
      await closePage(page);

      for (const [width, colorScheme, name] of [
        [WIDTHS.phone, 'light', 'overview-390'],
        [WIDTHS.desktop, 'dark', 'overview-1280-dark'],
      ] as const) {
        const shot = await openPage(server, { key: server.keys.read, width, colorScheme });
        await poll(() => figure(shot, 'last-hour', 'Completed')).toBe('4');
        await shot.locator('.failure-error', { hasText: 'sales.csv' }).waitFor();
        expect(
          await shot.evaluate<number>('document.documentElement.scrollWidth'),
        ).toBeLessThanOrEqual(width);
        await screenshot(shot, name);
        await closePage(shot);
      }
    } finally {
      open();
      await stopRunner(runner);
    }
  }, 90_000);
});
