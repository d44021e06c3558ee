/**
 * Execution ids. They are UUIDv7 (RFC 9562): the first 48 bits are the creation time in ms, so
 * ids sort in creation order. Every index keyed by an execution id (the execution's primary key,
 * its task rows `<execution id>:<task id>`, the events by execution) then grows at its right
 * edge: a commit of many new executions touches a few adjacent index pages instead of one random
 * page per row, which is what a durable commit pays for (WAL bytes and fsync on SQLite, WAL and
 * full-page images on PostgreSQL).
 */
import { randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';

/**
 * Random bytes drawn 4 KiB at a time: uuid's default source asks the Web Crypto API for 16
 * bytes per id, a measurable share of a one-task workflow's CPU (docs/performance.md,
 * "Measurements behind the code").
 */
const pool = new Uint8Array(4096);
let offset = pool.length;

function random16(): Uint8Array {
  if (offset + 16 > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  offset += 16;
  return pool.subarray(offset - 16, offset);
}

/**
 * The monotonic state uuid keeps for its default source, kept here because a custom source
 * bypasses it: within one millisecond the 31-bit counter (randomly seeded) counts up, so ids of
 * one process stay strictly increasing.
 */
const state = { msecs: -Infinity, seq: 0 };

/** A new, unique, time-ordered execution id. */
export function newExecutionId(): string {
  const now = Date.now();
  const random = random16();
  if (now > state.msecs) {
    state.msecs = now;
    state.seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
  } else {
    state.seq = (state.seq + 1) | 0;
    if (state.seq === 0) state.msecs += 1;
  }
  return v7({ random, msecs: state.msecs, seq: state.seq });
}
