/** What every `cloacinactl` command shares: global options, the client, inputs, errors. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  Client,
  InputValidationError,
  isCloacinaError,
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
 * A mistake in how the command was called, or an outcome the command reports as a failure; one
 * line, like every other error. `code`, when set, leads the line as a library error's does;
 * `exitCode` (default 1) lets scripts tell such an outcome apart.
 */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly code: string | undefined;
  readonly exitCode: number;

  constructor(message: string, options: { code?: string; exitCode?: number } = {}) {
    super(message);
    this.code = options.code;
    this.exitCode = options.exitCode ?? 1;
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

/** Parses a duration option (`90d`, `1d2h`, `500ms`) into milliseconds. */
export function durationMs(value: string, name: string): number {
  return parseDuration(value, name);
}

/** The first line of an error's message (driver messages can span several). */
export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n').find((line) => line.trim() !== '') ?? message).trim();
}

/**
 * The one-line reason shown for an error. Library errors carry their code; connection errors
 * name the database problem; anything else is its message. Stacks only with `CLOACINA_DEBUG=1`.
 */
export function describeFailure(error: unknown): string {
  if (error instanceof InputValidationError) {
    // The message's first line only announces the issues: put them all on that line.
    const issues = error.issues.map(
      (i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`,
    );
    return `${error.code}: ${oneLine(error)} ${issues.join('; ')}`;
  }
  if (isCloacinaError(error)) return `${error.code}: ${oneLine(error)}`;
  if (error instanceof UsageError) {
    return error.code === undefined ? oneLine(error) : `${error.code}: ${oneLine(error)}`;
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (
    typeof code === 'string' &&
    /^(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|SQLITE_)/.test(code)
  ) {
    return `cannot reach the database (${code}): ${oneLine(error)}`;
  }
  return oneLine(error);
}
