/**
 * `cloacinactl serve` and `cloacinactl daemon --http-port`: the API from the command line, with
 * keys made by `cloacinactl keys create`, and health that answers 503 while a daemon drains.
 */
import { describe, expect, it } from 'vitest';
import { freshDatabaseUrl } from '../helpers/backend.js';
import { spawnScript, waitFor } from '../helpers/processes.js';
import { cli, json, moduleDir, ok, startDaemon, writeModule } from './cli-harness.js';

const MAIN = 'src/cli/main.ts';

/** Starts `serve` and resolves with its URL once it listens. */
async function startServe(url: string, extra: readonly string[] = []) {
  const child = spawnScript(MAIN, ['--db', url, 'serve', '--port', '0', ...extra], {
    CLOACINA_DATABASE_URL: '',
  });
  let exited: number | string | undefined;
  void child.exited.then((code) => (exited = code));
  await waitFor(
    () => {
      if (exited !== undefined)
        throw new Error(`serve exited ${exited}: ${child.stderr()}${child.stdout()}`);
      return child.stdout().includes('and the API at');
    },
    30_000,
    'serve to listen',
  );
  const line = child
    .stdout()
    .split('\n')
    .find((l) => l.includes('and the API at'))!;
  return { child, apiUrl: (JSON.parse(line) as { url: string }).url };
}

describe('cloacinactl serve', () => {
  it('serves the API with keys created by `keys create`, and stops on SIGTERM', async () => {
    const url = freshDatabaseUrl();
    await ok(url, ['migrate']);
    const created = await json<{ key: string; id: string; scope: string }>(url, [
      'keys',
      'create',
      '--scope',
      'read',
      '--name',
      'ci',
    ]);
    const { child, apiUrl } = await startServe(url);
    const authorized = await fetch(`${apiUrl}/v1/workflows`, {
      headers: { authorization: `Bearer ${created.key}` },
    });
    expect(authorized.status).toBe(200);
    expect(await authorized.json()).toEqual({ items: [], nextCursor: null });
    expect((await fetch(`${apiUrl}/v1/workflows`)).status).toBe(401);
    const write = await fetch(`${apiUrl}/v1/executions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${created.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ workflow: 'x' }),
    });
    expect(write.status).toBe(403);
    // Request logs name the key's id, never the key.
    await waitFor(() => child.stdout().includes(created.id), 5_000, 'the request log');
    expect(child.stdout()).not.toContain(created.key);
    child.process.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  }, 60_000);

  it('refuses --no-auth on an address other machines can reach, and says why', async () => {
    const run = await cli(freshDatabaseUrl(), [
      'serve',
      '--port',
      '0',
      '--host',
      '0.0.0.0',
      '--no-auth',
      '--migrate',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Refusing to serve without API keys on 0.0.0.0');
  });
});

describe('cloacinactl daemon --http-port', () => {
  it('serves the API next to /metrics, runs what it starts, and drains with health 503', async () => {
    const url = freshDatabaseUrl();
    await ok(url, ['migrate']);
    const operator = await json<{ key: string }>(url, ['keys', 'create', '--scope', 'operate']);
    const dir = moduleDir();
    writeModule(
      dir,
      'slow.ts',
      `
const wait = task({ id: 'wait' }, async (ctx) => {
  await new Promise((resolve) => setTimeout(resolve, Number(ctx.get('ms') ?? 0)));
  ctx.insert('waited', true);
});
export const slow = workflow({ name: 'slow', tasks: [wait] });
`,
    );
    const daemon = await startDaemon(url, dir, ['--http-port', '0', '--shutdown-timeout', '20s']);
    const ready = daemon.child
      .stdout()
      .split('\n')
      .find((l) => l.includes('"msg":"daemon ready"'))!;
    const apiUrl = (JSON.parse(ready) as { api: string }).api;
    const headers = { authorization: `Bearer ${operator.key}`, 'content-type': 'application/json' };

    const started = await fetch(`${apiUrl}/v1/executions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ workflow: 'slow', context: { ms: 0 } }),
    });
    expect(started.status).toBe(201);
    const { executionId } = (await started.json()) as { executionId: string };
    await waitFor(
      async () => {
        const detail = await fetch(`${apiUrl}/v1/executions/${executionId}`, { headers });
        return ((await detail.json()) as { status: string }).status === 'Completed';
      },
      20_000,
      'the execution to complete',
    );
    const metrics = await fetch(`${apiUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('cloacina_');
    expect((await fetch(`${apiUrl}/healthz`)).status).toBe(200);

    // A task that takes a while keeps the runner shutting down; health says 503 meanwhile.
    const slow = await fetch(`${apiUrl}/v1/executions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ workflow: 'slow', context: { ms: 3000 } }),
    });
    const slowId = ((await slow.json()) as { executionId: string }).executionId;
    await waitFor(
      async () => {
        const detail = await fetch(`${apiUrl}/v1/executions/${slowId}`, { headers });
        return ((await detail.json()) as { status: string }).status === 'Running';
      },
      20_000,
      'the slow execution to run',
    );
    daemon.child.process.kill('SIGTERM');
    await waitFor(
      async () => (await fetch(`${apiUrl}/v1/health`)).status === 503,
      5_000,
      'health to answer 503 while draining',
    );
    expect((await fetch(`${apiUrl}/healthz`)).status).toBe(503);
    expect(await daemon.child.exited).toBe(0);
  }, 60_000);
});
