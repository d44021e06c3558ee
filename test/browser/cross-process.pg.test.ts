/**
 * The UI on PostgreSQL, with the work done by a runner in another OS process: the API server
 * holds only a `Client`, so every live update on the page reaches it through the database's
 * event feed (woken by LISTEN/NOTIFY), not through an in-process emitter.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnScript, waitFor } from '../helpers/processes.js';
import { closePage, openPage, screenshot, startUiServer } from './harness.js';

describe('the web UI on PostgreSQL', () => {
  it(
    'shows a task of another process turn Completed live, and the execution in the list',
    { timeout: 90_000 },
    async () => {
      const server = await startUiServer();
      const gate = join(mkdtempSync(join(tmpdir(), 'cloacina-gate-')), 'open');
      const child = spawnScript('test/browser/fixtures/gated-runner.ts', [server.dbUrl, gate]);
      try {
        await waitFor(() => child.stdout().includes('ready'), 30_000, 'the runner process');
        const started = await server.call('/v1/executions', {
          body: { workflow: 'remote', idempotencyKey: 'orders-2026-12-05' },
        });
        expect(started.status).toBe(201);
        const id = started.body.executionId as string;

        const page = await openPage(server, { key: server.keys.read, hash: `#/executions/${id}` });
        page.setDefaultTimeout(15_000);
        const fetchNode = page.locator('g.dag-node[data-task="fetch"]');
        await expect.poll(() => fetchNode.getAttribute('data-status')).toBe('Running');
        await expect.poll(() => page.locator('g.dag-node[data-task="store"]').count()).toBe(1);
        expect(await page.locator('.facts').first().textContent()).toContain('orders-2026-12-05');

        writeFileSync(gate, '');
        await expect.poll(() => fetchNode.getAttribute('data-status')).toBe('Completed');
        await expect
          .poll(() => page.locator('g.dag-node[data-task="store"]').getAttribute('data-status'))
          .toBe('Completed');
        await expect
          .poll(() => page.locator('.exec-status .badge').textContent())
          .toBe('Completed');
        await screenshot(page, 'execution-detail-pg-1280');

        await page.getByRole('link', { name: 'Executions', exact: true }).first().click();
        await expect.poll(() => page.locator('table').textContent()).toContain('remote');
        await closePage(page);
      } finally {
        child.process.kill('SIGTERM');
        await child.exited;
      }
    },
  );
});
