/**
 * The Triggers pages against a real runner polling real triggers on the server's database: the
 * list with each trigger's last poll and outcome strip (skips, errors), Fire now with a context
 * and the fire in the history, the same context fired again while the first execution is held
 * open — suppressed as a duplicate with its context hash — and the history following the
 * execution's end live; enable / disable with an operate key, no buttons with a read key.
 */
import { describe, expect, it } from 'vitest';
import { defineTrigger, task, TriggerResult, workflow } from '../../src/index.js';
import { createRunner, stopRunner } from '../helpers/backend.js';
import { closePage, openPage, screenshot, startUiServer, WIDTHS } from './harness.js';
import { noSideScroll } from './layout.js';

/** A gate the held task waits at until the test opens it. */
function gate() {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('the Triggers pages', () => {
  it('fire now, then the same context again while the first run is open: a suppressed duplicate', async () => {
    const server = await startUiServer();
    const runner = await createRunner({ triggerBasePollInterval: '100ms' }, server.dbUrl);
    const held = gate();
    runner.register(
      workflow({
        name: 'ingest',
        tasks: [task({ id: 'hold' }, () => held.opened)],
      }),
    );
    await runner.registerTrigger(
      defineTrigger({ name: 'inbox', pollInterval: '300ms' }, async () =>
        TriggerResult.skip('inbox empty'),
      ),
      'ingest',
    );
    await runner.registerTrigger(
      defineTrigger({ name: 'partner-api', pollInterval: '300ms' }, async () => {
        throw new Error('ECONNREFUSED 10.0.0.7:443');
      }),
      'ingest',
    );
    await runner.definitionsStored();

    const page = await openPage(server, { key: server.keys.operate, hash: '#/triggers' });
    const inbox = page.locator('tr[data-trigger="inbox"]');
    const partner = page.locator('tr[data-trigger="partner-api"]');
    // Skips and errors show without any fire: skips from the counters, errors from the history.
    await expect.poll(() => inbox.textContent(), { timeout: 20_000 }).toContain('inbox empty');
    await expect
      .poll(() => partner.textContent(), { timeout: 20_000 })
      .toMatch(/error \(\d+ in a row\)/);
    expect(await partner.textContent()).toContain('ECONNREFUSED');
    // The row's outcome comes from the schedule, its strip from the history, fetched apart:
    // the strip may follow a moment later.
    await expect
      .poll(() => partner.locator('.strip-error').count(), { timeout: 20_000 })
      .toBeGreaterThan(0);

    // Fire now with a context.
    await inbox.getByRole('button', { name: 'Fire now…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Fire inbox now' });
    await dialog.getByLabel('Context (JSON object, optional)').fill('{ "file": "a.csv" }');
    await dialog.getByRole('button', { name: 'Fire', exact: true }).click();
    const fired = dialog.locator('.fire-result-fired');
    await fired.waitFor();
    const firstId = (await fired.locator('a').getAttribute('title'))!;
    expect(firstId).toMatch(/^[0-9a-f-]{36}$/);
    await screenshot(page, 'triggers-fire-dialog-1280');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => inbox.locator('.strip-fire').count()).toBe(1);
    await screenshot(page, 'triggers-1280');

    // The detail page: the fire in the history, with its context hash.
    await inbox.getByRole('link', { name: 'inbox' }).click();
    const history = page.locator('table.history-table tbody');
    const fireRow = history.locator('tr[data-status="open"]');
    await fireRow.waitFor();
    const hash = (await fireRow.locator('code.hash').getAttribute('title'))!;
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await fireRow.locator('a').getAttribute('title')).toBe(firstId);

    // The same context again while the first run is held open: suppressed, by that run.
    await page.getByRole('button', { name: 'Fire now…' }).click();
    const again = page.getByRole('dialog', { name: 'Fire inbox now' });
    await again.getByLabel('Context (JSON object, optional)').fill('{"file":"a.csv"}');
    await again.getByRole('button', { name: 'Fire', exact: true }).click();
    const dedup = again.locator('.fire-result-deduplicated');
    await dedup.waitFor();
    expect(await dedup.textContent()).toContain('Suppressed as a duplicate of open execution');
    expect(await dedup.locator('a').getAttribute('title')).toBe(firstId);
    await again.getByRole('button', { name: 'Close' }).click();

    const dupRow = history.locator('tr[data-status="deduplicated"]');
    await dupRow.waitFor();
    expect(await dupRow.locator('code.hash').getAttribute('title')).toBe(hash);
    expect(await dupRow.locator('td.num').textContent()).toBe('1');
    expect(await dupRow.textContent()).toContain('duplicate of');
    expect(await dupRow.locator('a').getAttribute('title')).toBe(firstId);
    // The trigger keeps polling (and skipping), so its last outcome soon says "skipped"; the
    // strip keeps the suppressed duplicate in its place.
    await expect.poll(() => page.locator('.strip .strip-suppressed').count()).toBe(1);
    await screenshot(page, 'trigger-detail-1280');

    // The run ends: its history row follows live.
    held.open();
    await history.locator('tr[data-status="completed"]').waitFor({ timeout: 15_000 });

    // Disable, then enable again.
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.locator('.page-head [data-enabled="false"]').waitFor();
    expect((await server.client.getTriggerSchedule('inbox'))?.enabled).toBe(false);
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.locator('.page-head [data-enabled="true"]').waitFor();
    await closePage(page);

    // A read key sees the same pages without the buttons, and a phone fits them.
    const phone = await openPage(server, {
      key: server.keys.read,
      hash: '#/triggers',
      width: WIDTHS.phone,
    });
    await phone.locator('tr[data-trigger="inbox"]').waitFor();
    expect(await phone.getByRole('button', { name: 'Fire now…' }).count()).toBe(0);
    expect(await phone.getByRole('button', { name: 'Disable' }).count()).toBe(0);
    await screenshot(phone, 'triggers-390');
    expect(await noSideScroll(phone)).toBe(true);
    await phone.locator('tr[data-trigger="inbox"]').getByRole('link', { name: 'inbox' }).click();
    await phone.locator('table.history-table').waitFor();
    await screenshot(phone, 'trigger-detail-390');
    expect(await noSideScroll(phone)).toBe(true);
    // An unknown trigger says so once.
    await phone.goto(`${server.url}/#/triggers/nope`);
    await phone.getByRole('alert').getByText('No trigger named "nope"').waitFor();
    expect(await phone.getByRole('alert').count()).toBe(1);
    await closePage(phone);

    const dark = await openPage(server, {
      key: server.keys.operate,
      hash: '#/triggers/partner-api',
      colorScheme: 'dark',
    });
    await dark.locator('table.history-table').waitFor();
    await screenshot(dark, 'trigger-detail-dark-1280');
    await closePage(dark);
    await stopRunner(runner);
  });
});
