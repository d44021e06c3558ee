/**
 * How `cloacinactl` reports an error or a warning on stderr: one line for people, or with
 * `--json` one JSON object per line, so stdout keeps only the command's result (a `run --wait`
 * that ended `Failed` prints its result on stdout and the error on stderr). Library errors keep
 * their code; their hints, written for code (`listExecutions()`), name CLI commands here.
 */
import { CommanderError } from 'commander';
import { InputValidationError, isCloacinaError, type InputIssue } from '../index.js';
import { CliError, ExitCode, oneLine } from './common.js';

/** One error as the CLI reports it. */
export interface Failure {
  /** The library's error code, a CLI code (`AMBIGUOUS_ID`), or undefined for a plain failure. */
  readonly code: string | undefined;
  /** One line, without the code. */
  readonly message: string;
  readonly exitCode: number;
  /** The input problems of an `INPUT_VALIDATION` error. */
  readonly issues?: readonly InputIssue[];
}

/**
 * Library hints that name a function, and what a shell user runs instead. A library message
 * keeps its hint for code; only the CLI's copy of it changes.
 */
const CLI_HINTS: readonly (readonly [string, string])[] = [
  [
    'Call runner.register(workflow) first.',
    "Start a daemon or runner that has its code; 'cloacinactl workflows list' shows the stored workflows.",
  ],
  ['(listExecutions() shows recent ones)', "('cloacinactl executions list' shows recent ones)"],
  ['(listExecutionsPage() shows recent ones)', "('cloacinactl executions list' shows recent ones)"],
  [
    'listCronSchedules() shows the existing schedules.',
    "'cloacinactl cron list' shows the existing schedules.",
  ],
  [
    'Register it with runner.registerTrigger(trigger, workflow); listTriggerSchedules() shows the existing ones.',
    "'cloacinactl triggers list' shows the existing ones.",
  ],
  [
    'listApiKeys() (cloacinactl keys list) shows the ids.',
    "'cloacinactl keys list' shows the ids.",
  ],
];

/** `message` with the library's hints for code replaced by CLI commands. */
export function cliHints(message: string): string {
  return CLI_HINTS.reduce((text, [library, cli]) => text.replace(library, cli), message);
}

/** Driver error codes that mean the database could not be reached. */
const UNREACHABLE = /^(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|SQLITE_)/;

/**
 * What the CLI reports for `error`. Library errors carry their code; connection errors name the
 * database problem; commander's usage errors exit {@link ExitCode.USAGE}; anything else is its
 * message. Stacks only with `CLOACINA_DEBUG=1`.
 */
export function describeFailure(error: unknown): Failure {
  if (error instanceof CommanderError) {
    return {
      code: 'USAGE',
      message: error.message.replace(/^error: /, ''),
      exitCode: ExitCode.USAGE,
    };
  }
  if (error instanceof InputValidationError) {
    // The message's first line only announces the issues: put them all on that line.
    const issues = error.issues.map(
      (i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`,
    );
    return {
      code: error.code,
      message: `${oneLine(error)} ${issues.join('; ')}`,
      exitCode: ExitCode.FAILED,
      issues: error.issues,
    };
  }
  if (isCloacinaError(error)) {
    return { code: error.code, message: cliHints(oneLine(error)), exitCode: ExitCode.FAILED };
  }
  if (error instanceof CliError) {
    return { code: error.code, message: oneLine(error), exitCode: error.exitCode };
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && UNREACHABLE.test(code)) {
    return {
      code: undefined,
      message: `cannot reach the database (${code}): ${oneLine(error)}`,
      exitCode: ExitCode.FAILED,
    };
  }
  return { code: undefined, message: oneLine(error), exitCode: ExitCode.FAILED };
}

/**
 * The `code` of an error in JSON: always set, so a script can branch on it; `USAGE` for a
 * refused command line and `FAILED` for any other failure without a code of its own.
 */
function jsonCode(failure: Failure): string {
  return failure.code ?? (failure.exitCode === ExitCode.USAGE ? 'USAGE' : 'FAILED');
}

/**
 * Writes `error` to stderr and returns the exit code: `cloacinactl: CODE: message`, or with
 * `json` `{"error":{"code","message","exitCode"}}` (and `issues` for input errors).
 */
export function reportFailure(error: unknown, json: boolean): number {
  const failure = describeFailure(error);
  if (json) {
    const body = {
      code: jsonCode(failure),
      message: failure.message,
      exitCode: failure.exitCode,
      ...(failure.issues !== undefined ? { issues: failure.issues } : {}),
    };
    process.stderr.write(`${JSON.stringify({ error: body })}\n`);
  } else {
    const line =
      failure.code === undefined ? failure.message : `${failure.code}: ${failure.message}`;
    process.stderr.write(`cloacinactl: ${line}\n`);
  }
  if (process.env.CLOACINA_DEBUG === '1' && error instanceof Error) {
    process.stderr.write(`${error.stack ?? ''}\n`);
  }
  return failure.exitCode;
}

/**
 * Writes a warning to stderr: `cloacinactl: warning: message`, or with `json`
 * `{"warning":{"code","message"}}`. The command goes on.
 */
export function reportWarning(code: string, message: string, json: boolean): void {
  process.stderr.write(
    json
      ? `${JSON.stringify({ warning: { code, message } })}\n`
      : `cloacinactl: warning: ${message}\n`,
  );
}
