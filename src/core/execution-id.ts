/**
 * Execution ids. They are UUIDv7 (RFC 9562): the first 48 bits are the creation time in ms, so
 * ids sort in creation order. Every index keyed by an execution id (the execution's primary key,
 * its task rows `<execution id>:<task id>`, the events by execution) then grows at its right
 * edge: a commit of many new executions touches a few adjacent index pages instead of one random
 * page per row, which is what a durable commit pays for (WAL bytes and fsync on SQLite, WAL and
 * full-page images on PostgreSQL).
 */
import { v7 } from 'uuid';

/** A new, unique, time-ordered execution id. */
export function newExecutionId(): string {
  return v7();
}
