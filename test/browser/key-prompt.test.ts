/**
 * The key prompt: nothing is shown without a key; a wrong key is refused with the reason; a
 * read-only key opens the app without steering buttons; signing out and entering an operate key
 * shows them; the key lasts for the tab; a 401 later (the key was revoked) brings the prompt back.
 */
import { describe, expect, it } from 'vitest';
import { task, workflow } from '../../src/index.js';
import { createRunner, stopRunner } from '../helpers/backend.js';
import { closePage, enterKey, openPage, screenshot, startUiServer, WIDTHS } from './harness.js';

describe('the key prompt', () => {
  it('refuses a wrong key, shows a read key no actions, an operate key its actions, and asks again once the key is revoked', async () => {
    const server = await startUiServer();
    const runner = await createRunner({}, server.dbUrl);
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    runner.register(workflow({ name: 'hold', tasks: [task({ id: 'wait' }, () => held)] }));
    await runner.definitionsStored();
    const { executionId } = await runner.executeAsync('hold');
    const hash = `#/executions/${executionId}`;

    const page = await openPage(server, { width: WIDTHS.desktop, hash });
    page.setDefaultTimeout(10_000);
    await page.getByLabel('API key').waitFor();
    await screenshot(page, 'key-prompt-1280');

    await page.getByLabel('API key').fill('ck_wrong');
    await page.getByRole('button', { name: 'Open' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('refused');

    // A read key: the execution shows, with no steering button.
    await enterKey(page, server.keys.read);
    expect(await page.locator('.session').textContent()).toContain('read');
    await page.locator('g.dag-node[data-task="wait"]').waitFor();
    for (const name of ['Cancel', 'Pause']) {
      expect(await page.getByRole('button', { name, exact: true }).count()).toBe(0);
    }

    // Sign out, then an operate key: the same page offers Cancel and Pause.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await enterKey(page, server.keys.operate);
    await page.getByRole('button', { name: 'Cancel', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Pause', exact: true }).waitFor();

    // The key stays for the tab: a reload does not ask again.
    await page.reload();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();

    const keys = await server.client.listApiKeys();
    await server.client.revokeApiKey(keys.find((k) => k.scope === 'operate')!.id);
    await page.reload();
    await page.getByLabel('API key').waitFor();
    await closePage(page);
    release();
    await stopRunner(runner);
  });
});
