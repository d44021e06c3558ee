/**
 * Event triggers: a user `poll()` that the runner calls on an interval and that answers
 * Skip or Fire(context). This module holds the pure part: the contract, the result type and its
 * de-duplication hash, validation, the context handed to the workflow, and the in-process
 * registry of trigger objects. Polling, timeouts and persistence live in the engine.
 */

import { ConfigError, TriggerError } from '../errors.js';
import { Context } from './context.js';
import { describeValue } from './describe.js';
import { durationProblem, parseDuration } from './duration.js';
import type { Duration } from './duration.js';
import { sha256Hex } from './hash.js';
import { describeName, ID_RULE, isValidId, isValidTriggerName, TRIGGER_NAME_RULE } from './ids.js';
import { canonicalJson, cloneJson, deepFreezeJson } from './json.js';
import {
  loadTaskFunction,
  resolveBody,
  type TaskIsolation,
  type TaskModule,
} from './task-module.js';
import type { Json, JsonObject } from './json.js';

/**
 * An event trigger. Implement it with a class (state on `this` survives between polls, because
 * the runner keeps the one object it was given) or build one with {@link defineTrigger}.
 */
export interface Trigger {
  /** Unique name; matches `/^[A-Za-z0-9_.:-]+$/`. It keys the durable schedule row. */
  readonly name: string;
  /** How often to poll: milliseconds or a string such as `'30s'`. Must be greater than zero. */
  readonly pollInterval: Duration;
  /**
   * `false`: a fire whose context hash matches a still-open execution of this trigger is
   * suppressed. `true`: every fire starts a workflow, no de-duplication at all.
   */
  readonly allowConcurrent: boolean;
  /** The workflow to start, used when `runner.registerTrigger()` is given none. */
  readonly workflow?: string;
  /**
   * The module and export of a module poll (see {@link DefineTriggerOptions.module}); a runner
   * may then run it in a worker thread instead of calling {@link poll}.
   */
  readonly module?: TaskModule | undefined;
  /** Where a module poll runs, or `undefined` to let the runner's `defaultTaskIsolation` decide. */
  readonly isolate?: TaskIsolation | undefined;
  /**
   * Checks the condition. Keep it quick; `signal` is aborted when the runner's poll timeout
   * expires or the runner shuts down, and a well-behaved poll stops its I/O then.
   */
  poll(signal: AbortSignal): Promise<TriggerResult>;
}

/** Key of the brand that lets {@link isTriggerResult} recognise results across module copies. */
const BRAND = Symbol.for('cloacina.triggerResult');

/** Hash of a Skip result (it never reaches de-duplication, but the value is stable). */
const SKIP_HASH = 'skip';
/** Hash of a Fire without context, or with an empty one: both give the workflow the same input. */
const NO_CONTEXT_HASH = 'fire_no_context';

/**
 * What a poll answers: Skip (nothing to do, poll again later) or Fire (start the workflow, with
 * an optional context). Results are immutable; a fired context is a deep-frozen copy, so the
 * caller's object may change afterwards without changing what fires or its hash.
 */
export class TriggerResult {
  /** Brand checked by {@link isTriggerResult}. */
  readonly [BRAND] = true;
  /** For Skip: the optional reason given (counted per schedule as `lastSkipReason`). */
  readonly reason: string | undefined;
  /** For Fire: the context to start the workflow with (deep-frozen), or `undefined`. */
  readonly context: JsonObject | undefined;
  readonly #fire: boolean;
  #hash: string | undefined;

  private constructor(fire: boolean, reason: string | undefined, context: JsonObject | undefined) {
    this.#fire = fire;
    this.reason = reason;
    this.context = context;
    Object.freeze(this);
  }

  /** The condition is not met; the trigger is polled again at its next interval. */
  static skip(reason?: string): TriggerResult {
    if (reason !== undefined && typeof reason !== 'string') {
      throw new TypeError(
        `TriggerResult.skip(reason) expects a string; received ${describeValue(reason)}.`,
      );
    }
    return new TriggerResult(false, reason, undefined);
  }

  /**
   * The condition is met; start the workflow. The context, when given, is validated and copied
   * now, so a value that is not JSON fails inside `poll()` where the mistake is.
   *
   * @throws {ContextError} `INVALID_CONTEXT` when `ctx` is neither a {@link Context} nor a plain
   *   object; `NOT_JSON` (naming the key and path) when a value is not JSON.
   */
  static fire(ctx?: Context | Record<string, Json>): TriggerResult {
    if (ctx === undefined) return new TriggerResult(true, undefined, undefined);
    // Context's constructor does the validation and reports the key and path of a bad value.
    const copy = ctx instanceof Context ? ctx.toJSON() : new Context(ctx).toJSON();
    return new TriggerResult(true, undefined, deepFreezeJson(copy));
  }

  /** True for a Skip result. */
  isSkip(): boolean {
    return !this.#fire;
  }

  /** True for a Fire result. */
  isFire(): boolean {
    return this.#fire;
  }

  /**
   * The de-duplication key of this result: `'skip'` for Skip, `'fire_no_context'` for a Fire
   * without context **or with an empty context** (the workflow gets the same input either way,
   * so they are the same fire), otherwise the lower-case hex SHA-256 of the context's canonical
   * JSON (object keys sorted at every depth). Equal contexts therefore hash equal whatever their
   * key order; array order still matters.
   */
  contextHash(): string {
    if (this.#hash === undefined) {
      if (!this.#fire) this.#hash = SKIP_HASH;
      else if (this.context === undefined || Object.keys(this.context).length === 0) {
        this.#hash = NO_CONTEXT_HASH;
      } else this.#hash = sha256Hex(canonicalJson(this.context));
    }
    return this.#hash;
  }
}

/**
 * True when `value` is a {@link TriggerResult}, also one made by another copy of this module
 * (two installed versions of the package in one process).
 */
export function isTriggerResult(value: unknown): value is TriggerResult {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === true
  );
}

/**
 * Turns what a poll returned into a {@link TriggerResult}: a result is kept, `true` fires with
 * no context, `false` skips. The engine also uses it for class-style triggers, whose `poll()`
 * is typed but may still return anything at run time.
 *
 * @throws {TriggerError} `POLL_ERROR` naming the trigger and describing the value otherwise
 *   (for example `undefined` from a forgotten `return`).
 */
export function normalizePollResult(triggerName: string, value: unknown): TriggerResult {
  if (isTriggerResult(value)) return value;
  if (value === true) return TriggerResult.fire();
  if (value === false) return TriggerResult.skip();
  throw invalidPollResult(triggerName, describeValue(value));
}

/**
 * The `POLL_ERROR` of a poll that returned something other than a result or a boolean,
 * `described` (a poll in a worker thread sends the description, not the value).
 */
export function invalidPollResult(triggerName: string, described: string): TriggerError {
  return new TriggerError(
    'POLL_ERROR',
    triggerName,
    `Trigger '${triggerName}': poll() returned ${described}; it must return a ` +
      'TriggerResult (TriggerResult.skip() or TriggerResult.fire(ctx)) or a boolean ' +
      '(true = fire without context, false = skip).',
  );
}

/** Options of {@link defineTrigger}. */
export interface DefineTriggerOptions {
  /** Unique trigger name; matches `/^[A-Za-z0-9_.:-]+$/`, at most 255 characters. */
  name: string;
  /** The workflow to start when the runner is not told one at registration. */
  workflow?: string;
  /**
   * How often to poll.
   * @default '30s'
   */
  pollInterval?: Duration;
  /**
   * Whether a fire may start while an execution with the same context hash is still open.
   * @default false
   */
  allowConcurrent?: boolean;
  /**
   * Where the poll runs: `'thread'` runs it in a worker thread of the runner's pool (the pool
   * of thread tasks), so a CPU-bound poll does not stall the runner. Only a module poll (see
   * {@link module}) can run in a thread.
   * @default the runner's `defaultTaskIsolation` for a module poll, `'none'` for a function
   */
  isolate?: TaskIsolation;
  /**
   * The module whose export is the poll function, instead of a function argument: a URL such as
   * `new URL('./poll.js', import.meta.url)`, or an absolute path. A thread imports it itself,
   * so the poll captures nothing from the caller; it receives the signal.
   */
  module?: URL | string;
  /**
   * The name of the poll function `module` exports.
   * @default 'default'
   */
  export?: string;
}

/** The poll function of {@link defineTrigger}: a result, or a boolean (`true` = fire). */
export type PollFunction = (
  signal: AbortSignal,
) => Promise<TriggerResult | boolean> | TriggerResult | boolean;

/**
 * Builds a {@link Trigger} from options and a poll function (the function style), or, without
 * `poll`, from the export `export` of the module `module` (a module poll, which may run in a
 * worker thread: see `isolate`).
 * The options are validated now, so a bad name, interval or module fails at definition, not at
 * the first poll. The poll may return a {@link TriggerResult} or a boolean; anything else makes
 * the returned `poll()` reject with `TriggerError` `POLL_ERROR` naming the trigger. Errors thrown
 * by `poll` itself reject unchanged, for the engine to record.
 *
 * @throws {ConfigError} listing every problem of the options.
 */
export function defineTrigger(options: DefineTriggerOptions, poll?: PollFunction): Trigger {
  const opts: unknown = options;
  if (typeof opts !== 'object' || opts === null) {
    throw new ConfigError(
      `defineTrigger() expects an options object; received ${describeValue(opts)}.`,
    );
  }
  // Read each option once: a getter must not give validation and the trigger different values.
  const { name, workflow, pollInterval = '30s', allowConcurrent = false } = options;
  const { isolate, module, export: exportName } = options;
  const label =
    typeof name === 'string' && name !== ''
      ? `Trigger ${describeValue(name)}`
      : 'Trigger (unnamed)';
  const body = resolveBody(label, { isolate, module, export: exportName }, poll, {
    argument: 'the second argument of defineTrigger()',
    example:
      "defineTrigger({ name: '...', isolate: 'thread', " +
      "module: new URL('./poll.js', import.meta.url), export: 'poll' })",
  });
  const bodyProblem = typeof body === 'string' ? body : undefined;
  const resolved = typeof body === 'string' ? undefined : body;
  const fn: PollFunction | undefined =
    resolved?.module !== undefined ? modulePoll(resolved.module) : poll;
  // Validated together, so every problem of the options is listed at once.
  let spec: ResolvedTriggerSpec;
  try {
    spec = validateTrigger({
      name,
      workflow,
      pollInterval,
      allowConcurrent,
      // The body's own problem says what is wrong with the poll; not listed twice.
      poll: bodyProblem === undefined ? fn : () => undefined,
    });
  } catch (error) {
    if (bodyProblem === undefined || !(error instanceof ConfigError)) throw error;
    throw new ConfigError([...error.problems, bodyProblem]);
  }
  if (bodyProblem !== undefined) throw new ConfigError([bodyProblem]);
  const trigger: Trigger = {
    name: spec.name,
    pollInterval,
    allowConcurrent: spec.allowConcurrent,
    ...(spec.workflow !== undefined ? { workflow: spec.workflow } : {}),
    ...(resolved?.module !== undefined ? { module: resolved.module } : {}),
    ...(resolved?.isolate !== undefined ? { isolate: resolved.isolate } : {}),
    async poll(signal: AbortSignal): Promise<TriggerResult> {
      return normalizePollResult(spec.name, await fn!(signal));
    },
  };
  return Object.freeze(trigger);
}

/** The poll of a module poll run in the runner's thread: imports the module on first use. */
function modulePoll(module: TaskModule): PollFunction {
  return async (signal) => (await loadTaskFunction<PollFunction>(module))(signal);
}

/** A trigger's settings, checked and with units resolved. */
export interface ResolvedTriggerSpec {
  readonly name: string;
  readonly pollIntervalMs: number;
  readonly allowConcurrent: boolean;
  /** The trigger's own default workflow, if it names one. */
  readonly workflow: string | undefined;
}

/**
 * Checks that `trigger` satisfies the {@link Trigger} contract and resolves its settings.
 *
 * @throws {ConfigError} listing every problem found (not just the first).
 */
export function validateTrigger(trigger: unknown): ResolvedTriggerSpec {
  if (typeof trigger !== 'object' || trigger === null) {
    throw new ConfigError(
      `A trigger must be an object implementing Trigger; received ${describeValue(trigger)}.`,
    );
  }
  // Read through the object (not Object.keys) so class getters and prototype methods count.
  const t = trigger as Record<string, unknown>;
  const name = t['name'];
  // describeValue quotes the name and shortens a long one, so every message stays readable.
  const label =
    typeof name === 'string' && name !== ''
      ? `Trigger ${describeValue(name)}`
      : 'Trigger (unnamed)';
  const problems: string[] = [];

  if (!isValidTriggerName(name)) {
    problems.push(`${label}: name must be ${TRIGGER_NAME_RULE}; received ${describeName(name)}.`);
  }

  let pollIntervalMs = 0;
  const intervalProblem = durationProblem(t['pollInterval'], `${label}: pollInterval`);
  if (intervalProblem !== null) problems.push(intervalProblem);
  else {
    pollIntervalMs = parseDuration(t['pollInterval'], `${label}: pollInterval`);
    // Zero would make the trigger due on every tick of the loop.
    if (pollIntervalMs <= 0) {
      problems.push(
        `${label}: pollInterval must be greater than zero; received ${describeValue(t['pollInterval'])}.`,
      );
    }
  }

  if (typeof t['poll'] !== 'function') {
    problems.push(
      `${label}: poll must be a function (signal) => Promise<TriggerResult>; received ${describeValue(t['poll'])}.`,
    );
  }

  const allowConcurrent = t['allowConcurrent'];
  if (typeof allowConcurrent !== 'boolean') {
    problems.push(
      `${label}: allowConcurrent must be a boolean; received ${describeValue(allowConcurrent)}.`,
    );
  }

  const workflow = t['workflow'];
  if (workflow !== undefined && !isValidId(workflow)) {
    problems.push(
      `${label}: workflow must be a workflow name when given, ${ID_RULE}; received ${describeName(workflow)}.`,
    );
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    name: name as string,
    pollIntervalMs,
    allowConcurrent: allowConcurrent as boolean,
    workflow: workflow as string | undefined,
  };
}

/**
 * The keys the engine adds to every fired context, for a typed task:
 * `task<TriggerRunContext & { filename: string }>(...)`.
 */
export interface TriggerRunContext {
  /** The trigger that fired. */
  trigger_name: string;
  /** When it fired: RFC 3339 in UTC, e.g. `2025-01-01T14:00:00.000Z`. */
  triggered_at: string;
}

/** Keys the engine adds to every fired context; a trigger may not set them itself. */
export const RESERVED_TRIGGER_KEYS = ['trigger_name', 'triggered_at'] as const;

/**
 * The context a fired workflow starts with: a fresh copy of the fired context plus
 * `trigger_name` and `triggered_at` (RFC 3339 in UTC, e.g. `2025-01-01T14:00:00.000Z`).
 *
 * @throws {TriggerError} `RESERVED_KEY` naming the key(s) and the trigger when the fired context
 *   already holds a reserved key: silently overwriting would hide the trigger's data, and
 *   keeping it would let the trigger forge where a run came from.
 * @throws {TypeError} when `result` is a Skip (an engine bug, not a user mistake).
 */
export function buildFiredContext(
  triggerName: string,
  result: TriggerResult,
  firedAtMs: number,
): JsonObject {
  if (!result.isFire()) {
    throw new TypeError(
      `Trigger '${triggerName}': cannot build a fired context from a Skip result.`,
    );
  }
  const fired = result.context ?? {};
  const clashes = RESERVED_TRIGGER_KEYS.filter((key) => Object.hasOwn(fired, key));
  if (clashes.length > 0) {
    const keys = clashes.map((key) => `'${key}'`).join(' and ');
    throw new TriggerError(
      'RESERVED_KEY',
      triggerName,
      `Trigger '${triggerName}' fired a context holding the reserved key${clashes.length > 1 ? 's' : ''} ` +
        `${keys}. The engine sets 'trigger_name' and 'triggered_at' itself; rename ` +
        `${clashes.length > 1 ? 'these keys' : 'this key'} in poll().`,
    );
  }
  // The result's context is frozen; the workflow gets its own mutable copy.
  const out = cloneJson(fired);
  out['trigger_name'] = triggerName;
  out['triggered_at'] = new Date(firedAtMs).toISOString();
  return out;
}

/**
 * Trigger objects by name, in this process. The registry keeps the very object it is given, so
 * state a trigger keeps on `this` survives between polls; a schedule row whose trigger is not
 * registered here is not polled by this process.
 */
export class TriggerRegistry {
  readonly #triggers = new Map<string, Trigger>();

  /**
   * Adds `trigger`, replacing any trigger of the same name (a redeploy re-registers).
   * @throws {ConfigError} when `trigger` does not satisfy the {@link Trigger} contract.
   */
  register(trigger: Trigger): void {
    const spec = validateTrigger(trigger);
    this.#triggers.set(spec.name, trigger);
  }

  /** The trigger registered under `name`, or `undefined`. */
  get(name: string): Trigger | undefined {
    return this.#triggers.get(name);
  }

  /** True when a trigger is registered under `name`. */
  has(name: string): boolean {
    return this.#triggers.has(name);
  }

  /** All registered triggers, in order of first registration. */
  list(): Trigger[] {
    return [...this.#triggers.values()];
  }

  /** Removes the trigger registered under `name`; returns whether there was one. */
  delete(name: string): boolean {
    return this.#triggers.delete(name);
  }

  /** Removes every trigger (for tests and shutdown). */
  clear(): void {
    this.#triggers.clear();
  }
}

/** The process-wide registry that runners read in addition to their own registrations. */
export const defaultTriggerRegistry = new TriggerRegistry();

/**
 * Registers `trigger` in {@link defaultTriggerRegistry} (the seed's lower-level path; pair it
 * with a schedule row upserted through `runner.dal().triggerSchedules`).
 * @throws {ConfigError} when `trigger` does not satisfy the {@link Trigger} contract.
 */
export function registerTrigger(trigger: Trigger): void {
  defaultTriggerRegistry.register(trigger);
}
