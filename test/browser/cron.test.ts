/**
 * The Cron pages against schedules created through the API and run by a real runner: the
 * expression in words, the next five fire times in the schedule's zone and in the viewer's (the
 * browser is put in Asia/Tokyo, the schedule lives in New York), disable / enable with an operate
 * key and no buttons with a read key, and a history with fires and the ticks a catch-up missed
 * while no runner was up.
 */
import { describe, expect, it } from 'vitest';
import { task, workflow } from '../../src/index.js';
import { formatTime } from '../../ui/src/format.js';
import { createRunner, stopRunner } from '../helpers/backend.js';
import { closePage, openPage, screenshot, startUiServer, WIDTHS } from './harness.js';
import { noSideScroll } from './layout.js';

const VIEWER_ZONE = 'Asia/Tokyo';
const SCHEDULE_ZONE = 'America/New_York';

function workflows() {
  return [
    workflow({ name: 'daily-report', tasks: [task({ id: 'build' }, () => undefined)] }),
    workflow({ name: 'heartbeat', tasks: [task({ id: 'beat' }, () => undefined)] }),
  ];
}

describe('the Cron pages', () => {
  it('word the expression, list the next five times in both zones, and toggle with operate only', async () => {
    const server = await startUiServer();
    // A first runner stores the definitions, then stops: the heartbeat's ticks are missed.
    const first = await createRunner({}, server.dbUrl);
    for (const w of workflows()) first.register(w);
    await first.definitionsStored();
    await stopRunner(first);

    const report = await server.call('/v1/cron', {
      body: {
        workflow: 'daily-report',
        expression: '0 9 * * MON-FRI',
        timezone: SCHEDULE_ZONE,
        context: { report: 'sales' },
      },
    });
    expect(report.status).toBe(201);
    const reportId = (report.body as { id: string }).id;
    const beat = await server.call('/v1/cron', {
      body: { workflow: 'heartbeat', expression: '*/2 * * * * *', timezone: 'UTC' },
    });
    expect(beat.status).toBe(201);
    const beatId = (beat.body as { id: string }).id;
    // Several heartbeat times pass with no runner up; the next runner's catch-up skips them.
    const firstDue = (await server.client.getCronSchedule(beatId))!.nextRunAt!.getTime();
    await expect.poll(() => Date.now() - firstDue > 4_500, { timeout: 10_000 }).toBe(true);
    const runner = await createRunner({ cronPollInterval: '200ms' }, server.dbUrl);
    for (const w of workflows()) runner.register(w);

    const page = await openPage(server, {
      key: server.keys.operate,
      hash: '#/cron',
      timezoneId: VIEWER_ZONE,
    });
    const reportRow = page.locator(`tr[data-schedule="${reportId}"]`);
    await reportRow.waitFor();
    expect(await reportRow.textContent()).toContain('At 09:00, Monday through Friday');
    expect(await page.locator(`tr[data-schedule="${beatId}"]`).textContent()).toContain(
      'Every 2 seconds',
    );
    const nextRunAt = (await server.client.getCronSchedule(reportId))!.nextRunAt!.toISOString();
    const nextCell = await reportRow.locator('td').nth(6).textContent();
    expect(nextCell).toContain(formatTime(nextRunAt, SCHEDULE_ZONE));
    expect(nextCell).toContain(formatTime(nextRunAt, VIEWER_ZONE));
    // The heartbeat fires, and its row's last run follows live.
    await expect
      .poll(() => page.locator(`tr[data-schedule="${beatId}"] td`).nth(5).textContent(), {
        timeout: 15_000,
      })
      .toMatch(/ago/);
    await screenshot(page, 'cron-1280');

    // The detail: the next five times, each in both zones.
    await reportRow.getByRole('link').first().click();
    const next = page.locator('table.next-runs tbody tr');
    await expect.poll(() => next.count()).toBe(5);
    const detail = await server.call(`/v1/cron/${reportId}?next=5`, { key: server.keys.read });
    const expected = (detail.body as { nextRuns: string[] }).nextRuns;
    for (const [i, iso] of expected.entries()) {
      const row = next.nth(i);
      expect(await row.locator('[data-zone="schedule"]').textContent()).toContain(
        formatTime(iso, SCHEDULE_ZONE),
      );
      expect(await row.locator('[data-zone="schedule"]').textContent()).toMatch(
        / 09:00:00 E[SD]T$/,
      );
      expect(await row.locator('[data-zone="viewer"]').textContent()).toContain(
        formatTime(iso, VIEWER_ZONE),
      );
    }
    expect(await page.locator('.summary-facts').textContent()).toContain(
      'At 09:00, Monday through Friday',
    );
    await screenshot(page, 'cron-detail-1280');

    // Disable, then enable again.
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByText('Disabled: nothing is scheduled.').waitFor();
    expect((await server.client.getCronSchedule(reportId))?.enabled).toBe(false);
    await page.getByRole('button', { name: 'Enable' }).click();
    await expect.poll(() => next.count()).toBe(5);
    expect((await server.client.getCronSchedule(reportId))?.enabled).toBe(true);

    // The heartbeat's history: the ticks missed while no runner was up, then fires.
    await page.goto(`${server.url}/#/cron/${beatId}`);
    const history = page.locator('table.history-table tbody');
    const missed = history.locator('tr[data-status="missed"]');
    await missed.waitFor({ timeout: 15_000 });
    expect(await missed.textContent()).toMatch(/\d+ missed/);
    await history.locator('tr[data-status="completed"] a').first().waitFor({ timeout: 15_000 });
    await screenshot(page, 'cron-detail-history-1280');
    await closePage(page);

    // A read key: the same pages, no buttons; both fit a phone.
    const phone = await openPage(server, {
      key: server.keys.read,
      hash: '#/cron',
      width: WIDTHS.phone,
      timezoneId: VIEWER_ZONE,
    });
    await phone.locator(`tr[data-schedule="${reportId}"]`).waitFor();
    expect(await phone.getByRole('button', { name: 'Disable' }).count()).toBe(0);
    await screenshot(phone, 'cron-390');
    expect(await noSideScroll(phone)).toBe(true);
    await phone.goto(`${server.url}/#/cron/${reportId}`);
    await phone.locator('table.next-runs').waitFor();
    expect(await phone.getByRole('button', { name: 'Disable' }).count()).toBe(0);
    expect(await phone.getByRole('button', { name: 'Enable' }).count()).toBe(0);
    await screenshot(phone, 'cron-detail-390');
    expect(await noSideScroll(phone)).toBe(true);
    await closePage(phone);

    const dark = await openPage(server, {
      key: server.keys.operate,
      hash: `#/cron/${beatId}`,
      colorScheme: 'dark',
    });
    await dark.locator('table.history-table').waitFor();
    await screenshot(dark, 'cron-detail-dark-1280');
    await closePage(dark);
    await stopRunner(runner);
  });
});
