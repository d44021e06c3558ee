/**
 * Store contract, completeness: every operation a store offers is called somewhere in this
 * suite, so an operation added to the contract without conformance tests fails here, on both
 * backends, instead of being covered by one backend's tests only (or by none).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect } from 'vitest';
import { test } from './harness.js';

/** The source of every file of this suite (tests and harness). */
function suiteSource(): string {
  const dir = fileURLToPath(new URL('.', import.meta.url));
  return readdirSync(dir)
    .filter((name) => name.endsWith('.ts'))
    .map((name) => readFileSync(`${dir}/${name}`, 'utf8'))
    .join('\n');
}

describe('store contract: coverage', () => {
  test('calls every operation of the store', async ({ store }) => {
    const operations = Object.keys(store).filter(
      (key) => typeof (store as unknown as Record<string, unknown>)[key] === 'function',
    );
    const source = suiteSource();

    // A call site (`store.claimReadyTasks(`, `.ping(`) or a reference (`Store['listRunners']`).
    const untested = operations.filter(
      (op) => !source.includes(`.${op}(`) && !source.includes(`['${op}']`),
    );
    expect(operations.length).toBeGreaterThan(50);
    expect(untested, 'store operations without a contract test').toEqual([]);
  });
});
