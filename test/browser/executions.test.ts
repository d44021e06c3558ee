/**
 * The executions list against a real runner on the server's database: newest first, filtered by
 * workflow and status through the URL, paged by keyset cursors there and back, and live — a new
 * execution appears without a reload and turns Completed in place; on an older page it is
 * counted instead.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { task, TaskError, workflow, type DefaultRunner } from '../../src/index.js';
import { createRunner, stopRunner } from '../helpers/backend.js';
import { closePage, openPage, screenshot, startUiServer, WIDTHS } from './harness.js';

/** The ids of the rows shown, top to bottom. */
function rowIds(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(
    `[...document.querySelectorAll('tbody tr[data-execution-id]')].map((row) => row.dataset.executionId)`,
  );
}

/** The status shown in the row of `id`. */
function rowStatus(page: Page, id: string) {
  return page.locator(`tr[data-execution-id="${id}"] [data-status]`).getAttribute('data-status');
}

/** `expect.poll` with room for a loaded machine (its default is 1 s). */
function poll<T>(read: () => Promise<T> | T) {
  return expect.poll(read, { timeout: 15_000 });
}

/** A time as a datetime-local value in this machine's zone (the browser's too). */
function localInput(ms: number): string {
  const date = new Date(ms);
  return new Date(ms - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/** A gate a task waits at until the test opens it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Registers `etl` (completes), `report` (fails) and `slow` (waits at `held`). */
async function registerWorkflows(runner: DefaultRunner, held: Promise<void>): Promise<void> {
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
}

describe('the executions list', () => {
  it('shows executions newest first, filters by workflow and status, and follows a new one live', async () => {
    const server = await startUiServer();
    const runner = await createRunner({}, server.dbUrl);
    const held = gate();
    try {
      await registerWorkflows(runner, held.opened);
      const started: string[] = [];
      for (const name of ['etl', 'report', 'etl', 'etl']) {
        const result = await runner.execute(name);
        expect(result.status).toBe(name === 'report' ? 'Failed' : 'Completed');
        started.push(result.executionId);
      }
      const failedId = started[1]!;

      const page = await openPage(server, { key: server.keys.read, hash: '#/executions' });
      await poll(() => rowIds(page)).toEqual([...started].reverse());
      // The id cell is a link (the row's keyboard path to the execution).
      const firstId = started[3]!;
      await poll(() =>
        page.locator(`tr[data-execution-id="${firstId}"] td:first-child a`).getAttribute('href'),
      ).toBe(`#/executions/${firstId}`);
      // The failure's error (which task failed) is in its row, whole in the title.
      const error = page.locator(`tr[data-execution-id="${failedId}"] .error-text`);
      expect(await error.getAttribute('title')).toContain('render');

      // Workflow filter: into the URL, three rows.
      await page.getByLabel('Workflow').selectOption('etl');
      await poll(() => page.evaluate<string>('location.hash')).toBe('#/executions?workflow=etl');
      await poll(() => rowIds(page)).toEqual([started[3], started[2], started[0]]);

      // Status filter, workflow cleared: only the failure.
      await page.getByLabel('Workflow').selectOption('');
      await page.getByRole('checkbox', { name: 'Failed' }).check();
      await poll(() => page.evaluate<string>('location.hash')).toBe('#/executions?status=Failed');
      await poll(() => rowIds(page)).toEqual([failedId]);

      // A link reproduces the view.
      await page.goto(`${server.url}/#/executions?workflow=etl&status=Failed`);
      await poll(() => page.locator('.empty').textContent()).toContain('No executions match');
      await page.goto(`${server.url}/#/executions?workflow=report&status=Failed,Completed`);
      await poll(() => rowIds(page)).toEqual([failedId]);
      expect(await page.getByRole('checkbox', { name: 'Completed' }).isChecked()).toBe(true);
      await page.getByRole('button', { name: 'Clear filters' }).click();
      await poll(() => rowIds(page)).toHaveLength(4);

      // A custom time range: from an hour ahead shows nothing, from an hour ago all four.
      await page.getByLabel('Created').selectOption('custom');
      await page.getByLabel('From').fill(localInput(Date.now() + 3_600_000));
      await poll(() => page.locator('.empty').textContent()).toContain('No executions match');
      const since = new URLSearchParams(
        (await page.evaluate<string>('location.hash')).split('?')[1],
      );
      expect(since.get('range')).toBe('custom');
      expect(Date.parse(since.get('since')!)).toBeGreaterThan(Date.now());
      await page.getByLabel('From').fill(localInput(Date.now() - 3_600_000));
      await poll(() => rowIds(page)).toHaveLength(4);
      await page.getByRole('button', { name: 'Clear filters' }).click();
      await poll(() => page.evaluate<string>('location.hash')).toBe('#/executions');

      // Live: a new execution appears at the top without a reload, then completes in place.
      await page.evaluate('window.marker = 1');
      await page.locator('.live[data-connected="true"]').waitFor();
      const handle = await runner.executeAsync('slow');
      await poll(() => rowIds(page).then((ids) => ids[0])).toBe(handle.executionId);
      await poll(() => rowStatus(page, handle.executionId)).toBe('Running');
      await screenshot(page, 'executions-1280');
      held.open();
      await handle.wait();
      await poll(() => rowStatus(page, handle.executionId)).toBe('Completed');
      expect(await page.evaluate('window.marker')).toBe(1);
      await closePage(page);

      // Phone width: the table scrolls inside its box, the page itself does not.
      const phone = await openPage(server, {
        key: server.keys.read,
        width: WIDTHS.phone,
        hash: '#/executions',
      });
      await poll(() => rowIds(phone)).toHaveLength(5);
      const widths = await phone.evaluate<{ page: number; table: number; wrap: number }>(`({
        page: document.documentElement.scrollWidth,
        table: document.querySelector('.table-wrap').scrollWidth,
        wrap: document.querySelector('.table-wrap').clientWidth,
      })`);
      expect(widths.page).toBeLessThanOrEqual(WIDTHS.phone);
      expect(widths.table).toBeGreaterThan(widths.wrap);
      await screenshot(phone, 'executions-390');
      await closePage(phone);

      // Dark, with every kind of filter set.
      const hourAgo = encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString());
      const dark = await openPage(server, {
        key: server.keys.read,
        colorScheme: 'dark',
        hash: `#/executions?status=Completed,Failed&range=custom&since=${hourAgo}`,
      });
      await poll(() => rowIds(dark)).toHaveLength(5);
      expect(await dark.getByLabel('From').inputValue()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
      await screenshot(dark, 'executions-1280-dark');
      await closePage(dark);
    } finally {
      held.open();
      await stopRunner(runner);
    }
  }, 90_000);

  it('pages older and back by keyset cursors, and counts new executions on an older page', async () => {
    const server = await startUiServer();
    const runner = await createRunner({}, server.dbUrl);
    try {
      runner.register(workflow({ name: 'etl', tasks: [task({ id: 'load' }, () => undefined)] }));
      await runner.definitionsStored();
      const ids: string[] = [];
      for (let i = 0; i < 120; i += 1) ids.push((await runner.executeAsync('etl')).executionId);
      const newestFirst = [...ids].reverse();

      const page = await openPage(server, { key: server.keys.read, hash: '#/executions' });
      const older = page.getByRole('button', { name: 'Older →' });
      const newer = page.getByRole('button', { name: '← Newer' });
      await poll(() => rowIds(page)).toEqual(newestFirst.slice(0, 50));
      expect(await newer.isDisabled()).toBe(true);

      await older.click();
      await poll(() => rowIds(page)).toEqual(newestFirst.slice(50, 100));
      expect(await page.evaluate<string>('location.hash')).toMatch(/^#\/executions\?cursor=/);
      await older.click();
      await poll(() => rowIds(page)).toEqual(newestFirst.slice(100));
      expect(await older.isDisabled()).toBe(true);

      await newer.click();
      await poll(() => rowIds(page)).toEqual(newestFirst.slice(50, 100));

      // On an older page a new execution is counted, not inserted; "show" goes to the newest.
      await page.locator('.live[data-connected="true"]').waitFor();
      const late = await runner.executeAsync('etl');
      const more = page.getByRole('button', { name: '1 new — show' });
      await more.waitFor({ timeout: 15_000 });
      expect(await rowIds(page)).toEqual(newestFirst.slice(50, 100));
      await more.click();
      await poll(() => rowIds(page)).toEqual([late.executionId, ...newestFirst.slice(0, 49)]);
      expect(await newer.isDisabled()).toBe(true);
      await closePage(page);
    } finally {
      await stopRunner(runner);
    }
  }, 90_000);

  it('counts as new only what is listed before the newest it knew, also within one millisecond', async () => {
    const server = await startUiServer();
    // Creation times in whole seconds: executions started together share their millisecond,
    // and the list orders them by id.
    const runner = await createRunner(
      { clock: { now: () => Math.floor(Date.now() / 1_000) * 1_000 } },
      server.dbUrl,
    );
    try {
      runner.register(workflow({ name: 'etl', tasks: [task({ id: 'load' }, () => undefined)] }));
      await runner.definitionsStored();
      const ids: string[] = [];
      for (let i = 0; i < 60; i += 1) ids.push((await runner.executeAsync('etl')).executionId);
      const newestFirst = [...ids].reverse();

      const page = await openPage(server, { key: server.keys.read, hash: '#/executions' });
      await poll(() => rowIds(page)).toEqual(newestFirst.slice(0, 50));
      await page.getByRole('button', { name: 'Older →' }).click();
      await poll(() => rowIds(page)).toEqual(newestFirst.slice(50));
      await page.locator('.live[data-connected="true"]').waitFor();

      const late = await runner.executeAsync('etl');
      // Exactly one: the executions of the newest one's millisecond listed after it are not new.
      const more = page.getByRole('button', { name: '1 new — show', exact: true });
      await more.waitFor();
      await screenshot(page, 'executions-older-new');
      await more.click();
      await poll(() => rowIds(page)).toEqual([late.executionId, ...newestFirst.slice(0, 49)]);
      await closePage(page);
    } finally {
      await stopRunner(runner);
    }
  }, 90_000);
});
