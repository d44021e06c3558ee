/** What every `cloacinactl` command shares: global options, the client, inputs, errors. */
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  Client,
  ConfigError,
  MAX_PRIORITY,
  MIN_PRIORITY,
  parseDuration,
  type JsonObject,
} from '../index.js';

/** Options every command accepts (given before or after the command name). */
export interface GlobalOptions {
  /** Database URL; default `CLOACINA_DATABASE_URL`, else `sqlite://cloacina.db`. */
  db?: string;
  /** PostgreSQL tenant schema. */
  schema?: string;
  /** Print JSON instead of tables. */
  json?: boolean;
}

/**
 * The exit codes of `cloacinactl`, the same for every command: scripts branch on them.
 * `FAILED` covers every error the command ran into (an unknown id, a bad cron expression, an
 * unreachable database) and a run that ended `Failed` or `Cancelled`; `USAGE` a command line the
 * CLI refused before doing anything; `TIMEOUT` a wait that ended first, as `timeout(1)` has it.
 */
export const ExitCode = { OK: 0, FAILED: 1, USAGE: 2, TIMEOUT: 124 } as const;

/**
 * A failure the CLI reports itself, in one line like every other error. `code`, when set, leads
 * the line as a library error's does; `exitCode` (default {@link ExitCode.FAILED}) lets scripts
 * tell such an outcome apart.
 */
export class CliError extends Error {
  override name = 'CliError';
  readonly code: string | undefined;
  readonly exitCode: number;

  constructor(message: string, options: { code?: string; exitCode?: number } = {}) {
    super(message);
    this.code = options.code;
    this.exitCode = options.exitCode ?? ExitCode.FAILED;
  }
}

/**
 * A mistake in how the command was called: a flag value or an argument the CLI refuses before
 * doing anything. Exits {@link ExitCode.USAGE}, as commander's own usage errors do.
 */
export class UsageError extends CliError {
  override name = 'UsageError';

  constructor(message: string, options: { code?: string } = {}) {
    super(message, { ...options, exitCode: ExitCode.USAGE });
  }
}

/** The global options as seen from `command` (commander merges parents' options). */
export function globals(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

/** The database URL the command uses. */
export function databaseUrl(options: GlobalOptions): string {
  return options.db ?? process.env.CLOACINA_DATABASE_URL ?? 'sqlite://cloacina.db';
}

/**
 * Connects a {@link Client}, runs `work`, and closes the client whatever happens. The database
 * must exist with every migration this version needs: a command never creates or migrates it
 * (a mistyped `--db` fails with "No Cloacina database at …"; `cloacinactl migrate` and the
 * daemon change schemas, when the operator says so).
 */
export async function withClient<T>(
  command: Command,
  work: (client: Client, options: GlobalOptions) => Promise<T>,
): Promise<T> {
  const options = globals(command);
  const client = await Client.connect(databaseUrl(options), {
    ...(options.schema !== undefined ? { schema: options.schema } : {}),
    migrate: false,
    // One writer per host, however many commands run: see `ClientOptions.clientId`.
    clientId: `cli@${hostname()}`.slice(0, 255),
  });
  try {
    return await work(client, options);
  } finally {
    await client.close();
  }
}

/** Parses `--context`: inline JSON, or `@path` to a JSON file; must be a JSON object. */
export function parseContext(text: string | undefined): JsonObject | undefined {
  if (text === undefined) return undefined;
  let source = text;
  let where = '--context';
  if (text.startsWith('@')) {
    where = text.slice(1);
    try {
      source = readFileSync(where, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read context file '${where}': ${oneLine(error)}`);
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (error) {
    throw new UsageError(`${where} is not valid JSON: ${oneLine(error)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`${where} must be a JSON object such as '{"key": "value"}'.`);
  }
  return value as JsonObject;
}

/** Parses a positive integer option such as `--limit`. */
export function positiveInt(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new UsageError(`${name} must be a positive integer; received '${value}'.`);
  }
  return n;
}

/**
 * Parses a priority option (`--priority 10`, `--priority -5`): an integer from -1000 to 1000,
 * written as one (no fraction, exponent or unit).
 */
export function parsePriority(value: string, name: string): number {
  const n = /^\s*-?\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < MIN_PRIORITY || n > MAX_PRIORITY) {
    throw new UsageError(
      `${name} must be an integer from ${MIN_PRIORITY} to ${MAX_PRIORITY} (higher runs first); received '${value}'.`,
    );
  }
  return n;
}

/** Parses a time option given in ISO 8601 with a zone (`2026-12-24T15:00Z`, `…+01:00`). */
export function parseTime(value: string, name: string): Date {
  const time = new Date(value);
  // A zone is required: a bare `2026-12-24T15:00` would mean the CLI machine's local time.
  if (!/(Z|[+-]\d\d:?\d\d)$/i.test(value.trim()) || Number.isNaN(time.getTime())) {
    throw new UsageError(
      `${name} must be an ISO 8601 time with a zone, e.g. 2026-12-24T15:00Z; received '${value}'.`,
    );
  }
  return time;
}

/** A flag value made of digits only: a number without a unit. */
const PLAIN_NUMBER = /^\s*(\d+(\.\d*)?|\.\d+)\s*$/;

/**
 * Parses a duration option (`90d`, `1d2h`, `2w`, `500ms`) into milliseconds. Unlike the
 * library's `Duration`, a plain number is refused: in `--older-than 90` it would mean 90 ms, and
 * `prune` would delete nearly everything, so the CLI asks for the unit instead of guessing.
 */
export function durationMs(value: string, name: string): number {
  const ms = PLAIN_NUMBER.test(value) ? undefined : durationOrUndefined(value);
  if (ms === undefined) {
    throw new UsageError(
      `${name} must be a duration with a unit, e.g. 90d, 12h, 15m, 30s or 500ms ` +
        `(units w, d, h, m, s, ms, largest first, combinable: 1d12h); received '${value}'.`,
    );
  }
  return ms;
}

function durationOrUndefined(value: string): number | undefined {
  try {
    return parseDuration(value, 'duration');
  } catch (error) {
    if (error instanceof ConfigError) return undefined;
    throw error;
  }
}

/**
 * The status among `statuses` that `value` names, case-insensitively (`failed` is `Failed`):
 * the CLI prints and passes on the canonical form the API uses.
 */
export function parseStatus<S extends string>(
  value: string,
  statuses: readonly S[],
  name: string,
  note = '',
): S {
  const status = statuses.find((s) => s.toLowerCase() === value.trim().toLowerCase());
  if (status === undefined) {
    throw new UsageError(
      `${name} must be one of ${statuses.join(', ')}; received '${value}'.${note}`,
    );
  }
  return status;
}

/** The first line of an error's message (driver messages can span several). */
export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n').find((line) => line.trim() !== '') ?? message).trim();
}
