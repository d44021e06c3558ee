/**
 * A real pino logger writing into memory, for tests of what the engine logs: each line as pino
 * wrote it (`raw`, to see duplicated keys JSON.parse would hide) and parsed.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from '../../src/index.js';

/** pino's numeric levels. */
export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;

/** One line pino wrote. */
export interface LogLine {
  /** The JSON text exactly as written. */
  readonly raw: string;
  readonly level: number;
  readonly msg: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** A pino logger at `level` (default `debug`) and the lines it has written so far. */
export function captureLogs(level = 'debug'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const raw of chunk.toString('utf8').split('\n')) {
        if (raw === '') continue;
        const fields = JSON.parse(raw) as Record<string, unknown>;
        lines.push({
          raw,
          level: fields.level as number,
          msg: typeof fields.msg === 'string' ? fields.msg : '',
          fields,
        });
      }
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}
