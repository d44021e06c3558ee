/**
 * The Workflows pages against a real runner on the server's database: the list, a workflow's
 * DAG and task rules, and its start form — drawn from the zod input schema, refusing an invalid
 * input with the server's messages by the fields, starting a valid one (which then runs) — and
 * the JSON editor of a workflow without a schema.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { rules, task, workflow } from '../../src/index.js';
import { createRunner, stopRunner } from '../helpers/backend.js';
import { closePage, openPage, screenshot, startUiServer, WIDTHS } from './harness.js';
import { noSideScroll } from './layout.js';

const input = z.object({
  day: z.iso.date().describe('The day whose files are loaded'),
  region: z.enum(['eu', 'us', 'apac']).default('eu'),
  limit: z.number().int().min(1).max(1000).default(100),
  dryRun: z.boolean().default(false),
  note: z.string().optional(),
  options: z.object({ parallel: z.number() }).optional(),
});

const noop = () => undefined;

function loadWorkflow() {
  return workflow({
    name: 'nightly-load',
    description: 'Loads the day’s files into the warehouse, then reports.',
    tags: { team: 'data' },
    input,
    tasks: [
      task({ id: 'extract', retry: { attempts: 5, initialDelay: '2s' }, timeout: '5m' }, (ctx) => {
        ctx.set('rows', 42);
      }),
      task({ id: 'transform', dependencies: ['extract'] }, noop),
      task({ id: 'load', dependencies: ['transform'], retry: { attempts: 1 } }, noop),
      task(
        {
          id: 'alert',
          dependencies: ['load'],
          triggerRules: rules.taskFailed('load'),
          description: 'Pages the on-call person',
        },
        noop,
      ),
      task({ id: 'report', dependencies: ['load'] }, noop),
    ],
  });
}

describe('the Workflows pages', () => {
  it('start a workflow from its schema form: invalid input is refused by the field, valid input runs', async () => {
    const server = await startUiServer();
    const runner = await createRunner({}, server.dbUrl);
    runner.register(loadWorkflow());
    runner.register(workflow({ name: 'adhoc', tasks: [task({ id: 'only' }, noop)] }));
    await runner.definitionsStored();

    const page = await openPage(server, { key: server.keys.operate, hash: '#/workflows' });
    const row = page.locator('tr[data-workflow="nightly-load"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('Loads the day’s files');
    expect(await row.locator('td.num').textContent()).toBe('5');
    await screenshot(page, 'workflows-1280');

    await row.getByRole('link', { name: 'nightly-load' }).click();
    const form = page.getByRole('form', { name: 'Start' });
    await form.waitFor();
    // The fields of the schema, with defaults and help.
    expect(await form.locator('[data-field="day"] input').getAttribute('type')).toBe('date');
    expect(await form.locator('[data-field="day"]').textContent()).toContain(
      'The day whose files are loaded',
    );
    expect(await form.locator('[data-field="limit"] input').inputValue()).toBe('100');
    expect(await form.locator('[data-field="options"] textarea').count()).toBe(1);
    // The task table words the rules and retries.
    const alertRow = page.locator('#task-row-alert');
    expect(await alertRow.textContent()).toContain('load failed');
    expect(await page.locator('#task-row-extract').textContent()).toContain('5 attempts');
    await screenshot(page, 'workflow-detail-1280');

    // Invalid: no day, a limit below the minimum. The server's messages sit by the fields.
    await form.locator('[data-field="limit"] input').fill('0');
    await form.getByRole('button', { name: 'Start execution' }).click();
    await expect
      .poll(() => form.locator('[data-field="day"] .field-error').textContent())
      .toContain('required');
    expect(await form.locator('[data-field="limit"] .field-error').textContent()).toMatch(/1/);
    expect(await page.locator('.start-form .error-box').textContent()).toContain(
      'Nothing was started',
    );
    expect((await server.client.listExecutions({ workflowName: 'nightly-load' })).length).toBe(0);
    await screenshot(page, 'workflow-detail-invalid-1280');

    // Valid: the new execution's page opens, and the execution runs to the end.
    await form.locator('[data-field="day"] input').fill('2026-12-05');
    await form.locator('[data-field="limit"] input').fill('250');
    await form.locator('[data-field="region"] select').selectOption('us');
    await form.getByRole('button', { name: 'Start execution' }).click();
    await page.waitForURL(/#\/executions\/[0-9a-f-]{36}$/);
    const id = new URL(page.url()).hash.split('/').pop()!;
    await expect
      .poll(async () => (await server.client.getExecutionSummary(id))?.status, { timeout: 15_000 })
      .toBe('Completed');
    const result = await server.client.getExecutionResult(id);
    expect(result.finalContext.toJSON()).toMatchObject({
      day: '2026-12-05',
      limit: 250,
      region: 'us',
      dryRun: false,
    });

    // Back on the workflow, the run is listed (live) among the recent executions.
    await page.goto(`${server.url}/#/workflows/nightly-load`);
    await page.locator('.executions-table').getByText('Completed').waitFor();
    await closePage(page);
    await stopRunner(runner);
  });

  it('gives a workflow without a schema a JSON editor that only sends an object', async () => {
    const server = await startUiServer();
    const runner = await createRunner({}, server.dbUrl);
    runner.register(workflow({ name: 'adhoc', tasks: [task({ id: 'only' }, noop)] }));
    await runner.definitionsStored();

    const page = await openPage(server, {
      key: server.keys.operate,
      hash: '#/workflows/adhoc',
      width: WIDTHS.phone,
    });
    const editor = page.getByLabel('Context (JSON object)');
    await editor.waitFor();
    await editor.fill('[1, 2]');
    await page.getByRole('button', { name: 'Start execution' }).click();
    await page.getByText('The context must be a JSON object').waitFor();
    await screenshot(page, 'workflow-detail-390');
    await editor.fill('{ "who": "operator" }');
    await page.getByRole('button', { name: 'Start execution' }).click();
    await page.waitForURL(/#\/executions\/[0-9a-f-]{36}$/);
    await closePage(page);
    await stopRunner(runner);
  });

  it('hides the start form from a read key, and fits a phone', async () => {
    const server = await startUiServer();
    const runner = await createRunner({}, server.dbUrl);
    runner.register(loadWorkflow());
    await runner.definitionsStored();

    const phone = await openPage(server, {
      key: server.keys.read,
      hash: '#/workflows',
      width: WIDTHS.phone,
    });
    await phone.locator('tr[data-workflow="nightly-load"]').waitFor();
    await screenshot(phone, 'workflows-390');
    expect(await noSideScroll(phone)).toBe(true);
    await phone.getByRole('link', { name: 'nightly-load' }).click();
    await phone.getByText("needs a key with the 'operate' scope").waitFor();
    expect(await phone.getByRole('button', { name: 'Start execution' }).count()).toBe(0);
    expect(await noSideScroll(phone)).toBe(true);
    await screenshot(phone, 'workflow-detail-read-390');
    await closePage(phone);

    const dark = await openPage(server, {
      key: server.keys.operate,
      hash: '#/workflows/nightly-load',
      colorScheme: 'dark',
    });
    await dark.getByRole('form', { name: 'Start' }).waitFor();
    await screenshot(dark, 'workflow-detail-dark-1280');
    await closePage(dark);
    await stopRunner(runner);
  });

  it('lists every stored version and draws an older one in place of the latest', async () => {
    const server = await startUiServer();
    const first = await createRunner({}, server.dbUrl);
    first.register(workflow({ name: 'evolving', tasks: [task({ id: 'a' }, noop)] }));
    await first.definitionsStored();
    const oldVersion = (await server.client.getWorkflow('evolving'))!.version;
    // A later deploy adds a task: a second runner stores the changed definition.
    const second = await createRunner({}, server.dbUrl);
    second.register(
      workflow({
        name: 'evolving',
        tasks: [task({ id: 'a' }, noop), task({ id: 'b', dependencies: ['a'] }, noop)],
      }),
    );
    await second.definitionsStored();

    const page = await openPage(server, { key: server.keys.operate, hash: '#/workflows/evolving' });
    const rows = page.locator('.versions-table tbody tr');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2);
    await expect.poll(() => page.locator('g.dag-node').count()).toBe(2);
    await rows.filter({ hasText: oldVersion }).getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => page.locator('g.dag-node').count()).toBe(1);
    await page.getByText('This is an older version; a start runs the latest.').waitFor();
    expect(await page.getByRole('button', { name: 'Start execution' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Show the latest' }).click();
    await expect.poll(() => page.locator('g.dag-node').count()).toBe(2);
    await closePage(page);
    await stopRunner(second);
    await stopRunner(first);
  });
});
