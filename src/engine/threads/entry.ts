/**
 * The worker-thread side of a thread task or a thread poll: tinypool calls {@link run} with one
 * attempt or poll, which imports the module (once per thread), runs its export (with a context
 * and a handle, or with the poll's signal) and answers with the output context's data or the
 * poll's result, or the error it threw.
 */
import { Context } from '../../core/context.js';
import type { Json } from '../../core/json.js';
import { loadTaskFunction, type TaskModule } from '../../core/task-module.js';
import type { TaskFunction, TaskHandle, TaskLogger } from '../../core/task.js';
import { isTriggerResult, type PollFunction } from '../../core/trigger.js';
import { describeValue, TaskError, toError } from '../../errors.js';
import {
  fromWire,
  toWire,
  type AbortMessage,
  type LogMessage,
  type ThreadPollRequest,
  type ThreadPollResult,
  type ThreadRequest,
  type ThreadResult,
  type WirePollResult,
} from './wire.js';

// process.exit() in a worker ends the thread without an answer, and the pool would leave the
// attempt waiting for its timeout: a body calling it fails at once instead.
process.exit = (code?: number | string | null): never => {
  throw new TaskError(
    `process.exit(${String(code ?? '')}) was called in a thread task; throw an error to fail it.`,
    { retryable: false },
  );
};

/** Runs one attempt's body, or one poll, in this worker thread. */
export function run(request: ThreadRequest): Promise<ThreadResult>;
export function run(request: ThreadPollRequest): Promise<ThreadPollResult>;
export function run(
  request: ThreadRequest | ThreadPollRequest,
): Promise<ThreadResult | ThreadPollResult> {
  return request.kind === 'poll' ? runPoll(request) : runTask(request);
}

function runTask(request: ThreadRequest): Promise<ThreadResult> {
  return attempt(request, async (signal) => {
    const fn = await loadTaskFunction<TaskFunction>(request.module);
    const ctx = Context.fromJSON(request.input);
    await fn(ctx, handleFor(request, signal));
    return { ok: true, output: ctx.toJSON() };
  });
}

function runPoll(request: ThreadPollRequest): Promise<ThreadPollResult> {
  return attempt(request, async (signal) => {
    const fn = await loadTaskFunction<PollFunction>(request.module);
    return { ok: true, result: pollToWire(await fn(signal)) };
  });
}

/**
 * Runs `body` for a request with the signal the runner aborts through the request's port; an
 * error becomes the wire form of a failure. The port is closed after.
 */
async function attempt<T>(
  request: ThreadRequest | ThreadPollRequest,
  body: (signal: AbortSignal) => Promise<T>,
): Promise<T | { ok: false; error: ReturnType<typeof toWire> }> {
  const { port } = request;
  const controller = new AbortController();
  port.on('message', (message: AbortMessage) => {
    if (message.kind === 'abort') controller.abort(fromWire(message.reason));
  });
  // The port must not keep this thread busy once the attempt is over.
  port.unref();
  try {
    await typescriptFor(request.module);
    return await body(controller.signal);
  } catch (error) {
    return { ok: false, error: toWire(error) };
  } finally {
    port.close();
  }
}

/** What a poll returned, as it crosses back (a result's context is JSON already). */
function pollToWire(value: unknown): WirePollResult {
  if (isTriggerResult(value)) {
    return value.isFire()
      ? { kind: 'fire', context: value.context }
      : { kind: 'skip', reason: value.reason };
  }
  if (value === true) return { kind: 'fire', context: undefined };
  if (value === false) return { kind: 'skip', reason: undefined };
  return { kind: 'invalid', described: describeValue(value) };
}

let typescript: Promise<void> | undefined;

/**
 * Makes a TypeScript task module importable in this thread. On Node 20 a worker does not get
 * the loader of an application started with tsx, so tsx (an optional peer dependency) is
 * registered here, once, at the first such module. Not when this entry is itself TypeScript:
 * then the thread was started with tsx registered.
 */
function typescriptFor(module: TaskModule): Promise<void> {
  if (!/\.[cm]?ts$/.test(new URL(module.url).pathname) || import.meta.url.endsWith('.ts')) {
    return Promise.resolve();
  }
  typescript ??= import('tsx/esm/api').then(
    (api) => {
      api.register();
    },
    (error: unknown) => {
      typescript = undefined;
      throw new TaskError(
        `Task module ${module.url} is TypeScript, and tsx cannot be loaded to compile it ` +
          `(${toError(error).message}): install tsx (npm install tsx) or ` +
          'compile the module to JavaScript.',
        { retryable: false, cause: error },
      );
    },
  );
  return typescript;
}

function handleFor(request: ThreadRequest, signal: AbortSignal): TaskHandle {
  const { port } = request;
  const line =
    (level: LogMessage['level']) =>
    (obj: object | string, msg?: string): void => {
      const message: LogMessage = { kind: 'log', level, obj, msg };
      try {
        port.postMessage(message);
      } catch {
        // A value a structured clone refuses (a function, a class instance with a private
        // field): its JSON form is what a log line keeps anyway.
        port.postMessage({ ...message, obj: jsonForm(obj) });
      }
    };
  const log: TaskLogger = {
    debug: line('debug'),
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
  };
  return {
    signal,
    attempt: request.attempt,
    executionId: request.executionId,
    taskId: request.taskId,
    log,
    deferUntil: () => {
      // Deferring releases the runner's slot while the body waits; a thread task would keep
      // its thread busy meanwhile, so it is not offered.
      return Promise.reject(
        new TaskError(
          `Task '${request.taskId}' runs in a thread, where deferUntil is not available; ` +
            'run it in the runner (isolate: none) to defer.',
          { retryable: false },
        ),
      );
    },
  };
}

/** The JSON form of a log argument, or a description of it; never throws into the task. */
function jsonForm(obj: object | string): object | string {
  try {
    const plain = JSON.parse(JSON.stringify(obj) ?? 'null') as Json;
    return typeof plain === 'object' && plain !== null ? plain : describeValue(obj);
  } catch {
    return describeValue(obj);
  }
}
