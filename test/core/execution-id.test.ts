import { describe, expect, it } from 'vitest';
import { newExecutionId } from '../../src/core/execution-id.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('execution ids', () => {
  it('are UUIDv7 whose leading 48 bits are the creation time in ms', () => {
    const before = Date.now();
    const id = newExecutionId();
    const after = Date.now();
    expect(id).toMatch(UUID_V7);
    const ms = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after);
  });

  it('sort in creation order, also many within one millisecond', () => {
    const ids = Array.from({ length: 10_000 }, () => newExecutionId());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});
