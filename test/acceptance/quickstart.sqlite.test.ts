/**
 * `examples/quickstart.ts`, the first half of `npm run demo`, as a reader runs it: it completes,
 * and everything it prints is readable text, the lines its task logs included (no pino JSON).
 */
import { describe, expect, it } from 'vitest';
import { spawnScript } from '../helpers/processes.js';

describe('the quick start example', () => {
  it('runs the ETL workflow and prints only readable lines', async () => {
    const child = spawnScript('examples/quickstart.ts', []);
    expect(await child.exited).toBe(0);
    const lines = child.stdout().split('\n');
    // The retried task logs one line through handle.log: it reads as text, with its task id.
    expect(lines).toContain('  [info] fetch_rates: rates fetched (attempt=2)');
    expect(lines.filter((line) => line.trimStart().startsWith('{'))).toEqual([]);
    expect(child.stdout()).toMatch(/Workflow 'etl' \(version [0-9a-f]{16}\): Completed/);
    expect(child.stderr()).toBe('');
  }, 60_000);
});
