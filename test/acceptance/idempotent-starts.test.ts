/**
 * Two runner processes start the same keys at the same time: the unique index, not a read
 * before the write, decides, so each key gets one execution across both processes, every
 * handle for a key names it, and each task body runs once.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRunner, freshDatabaseUrl, stopRunner } from '../helpers/backend.js';
import { countLines, logLines, spawnScript, waitFor } from '../helpers/processes.js';

const STARTS = 50;
const KEYS = 20;

describe('idempotent starts across processes', () => {
  it(`2 processes × ${STARTS} concurrent starts over ${KEYS} keys make ${KEYS} executions`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cloacina-keys-'));
    const logFile = join(dir, 'log.txt');
    const url = freshDatabaseUrl();
    // Migrate before the processes start, so that both reach `ready` with the same schema.
    const setup = await createRunner({}, url);
    await stopRunner(setup);
    const children = ['forward', 'reverse'].map((order) =>
      spawnScript('test/acceptance/fixtures/keyed-worker.ts', [
        url,
        logFile,
        String(STARTS),
        String(KEYS),
        order,
      ]),
    );
    await waitFor(
      () => children.every((c) => c.stdout().includes('ready')),
      30_000,
      'both workers to be ready',
    );
    for (const child of children) child.process.kill('SIGUSR2');
    const codes = await Promise.all(children.map((c) => c.exited));
    for (const child of children)
      expect(child.stdout().slice(-300), child.stderr()).toContain('done');
    expect(codes).toEqual([0, 0]);

    // Every handle of a key, in either process, names the same execution; one of them made it.
    const byKey = new Map<string, Set<string>>();
    let created = 0;
    for (const child of children) {
      for (const line of child.stdout().split('\n')) {
        const [word, key, id, flag] = line.split(' ');
        if (word !== 'started') continue;
        byKey.set(key!, (byKey.get(key!) ?? new Set()).add(id!));
        if (flag === 'true') created += 1;
      }
    }
    expect(byKey.size).toBe(KEYS);
    expect([...byKey.values()].every((ids) => ids.size === 1)).toBe(true);
    expect(created).toBe(KEYS);

    const lines = logLines(logFile);
    expect(lines).toHaveLength(KEYS);
    expect([...countLines(lines).values()].every((n) => n === 1)).toBe(true);
    const ids = new Set([...byKey.values()].flatMap((s) => [...s]));
    expect(new Set(lines)).toEqual(ids);

    const check = await createRunner({}, url);
    const all = await check.listExecutions({ workflowName: 'keyed', limit: 1000 });
    expect(all).toHaveLength(KEYS);
    expect(new Set(all.map((r) => r.idempotencyKey))).toEqual(new Set(byKey.keys()));
    await stopRunner(check);
  }, 60_000);
});
