/**
 * The runner's pool of worker threads for thread tasks and thread polls (`isolate: 'thread'`),
 * on tinypool. Made on the first of them, so a runner without any starts no thread; destroyed at
 * shutdown. An aborted attempt's thread is terminated, since only that stops a body that
 * computes without awaiting; the pool starts a fresh one when needed.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import Tinypool from 'tinypool';
import type { JsonObject } from '../../core/json.js';
import type { Logger } from '../../core/options.js';
import type { TaskModule } from '../../core/task-module.js';
import type { TaskHandle } from '../../core/task.js';
import { toError } from '../../errors.js';
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

/** How long an idle thread is kept for the next thread task. */
const IDLE_MS = 60_000;

/** One attempt for {@link TaskThreads.run}. */
export interface ThreadAttempt {
  readonly module: TaskModule;
  readonly input: JsonObject;
  /** The in-process handle: its ids, its signal, and its log, which the thread's lines go to. */
  readonly handle: TaskHandle;
}

/** The worker threads of one runner. */
export class TaskThreads {
  #pool: Tinypool | undefined;

  /**
   * @param maxThreads at most this many threads (the runner's `maxConcurrentTasks`).
   * @param logger where errors of a thread outside any attempt go.
   */
  constructor(
    private readonly maxThreads: number,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {}

  /**
   * Runs the body of `attempt` in a thread and resolves with its output context's data.
   * Rejects with the error the body threw (its name, message, code and stack), or when the
   * handle's signal aborts (the thread is then terminated).
   */
  async run(attempt: ThreadAttempt): Promise<JsonObject> {
    const { handle } = attempt;
    const { signal } = handle;
    const { port1, port2 } = new MessageChannel();
    const onLine = (message: LogMessage): void => {
      if (message.kind === 'log') handle.log[message.level](message.obj, message.msg);
    };
    port1.on('message', onLine);
    const onAbort = (): void => {
      const message: AbortMessage = { kind: 'abort', reason: toWire(signal.reason) };
      port1.postMessage(message);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const request: ThreadRequest = {
      kind: 'task',
      module: attempt.module,
      input: attempt.input,
      attempt: handle.attempt,
      executionId: handle.executionId,
      taskId: handle.taskId,
      port: port2,
    };
    try {
      const result = (await this.#threads().run(request, {
        transferList: [port2],
        signal,
      })) as ThreadResult;
      // Lines the body logged just before returning may still wait on the port: they were
      // queued before the result was sent, so they are all there to read now.
      drain(port1, onLine);
      if (!result.ok) throw fromWire(result.error);
      return result.output;
    } finally {
      signal.removeEventListener('abort', onAbort);
      port1.close();
    }
  }

  /**
   * Runs the poll `module` exports in a thread and resolves with what it returned. Rejects with
   * the error the poll threw, or when `signal` aborts (the thread is then terminated, as for a
   * task: a poll computing without awaiting would otherwise hold it).
   */
  async poll(
    module: TaskModule,
    triggerName: string,
    signal: AbortSignal,
  ): Promise<WirePollResult> {
    const { port1, port2 } = new MessageChannel();
    const onAbort = (): void => {
      const message: AbortMessage = { kind: 'abort', reason: toWire(signal.reason) };
      port1.postMessage(message);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const request: ThreadPollRequest = { kind: 'poll', module, triggerName, port: port2 };
    try {
      const result = (await this.#threads().run(request, {
        transferList: [port2],
        signal,
      })) as ThreadPollResult;
      if (!result.ok) throw fromWire(result.error);
      return result.result;
    } finally {
      signal.removeEventListener('abort', onAbort);
      port1.close();
    }
  }

  /** Terminates the threads; waits for none of the attempts (the runner aborted them). */
  async destroy(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.destroy();
  }

  #threads(): Tinypool {
    if (this.#pool !== undefined) return this.#pool;
    const pool = new Tinypool({
      filename: entry(),
      name: 'run',
      minThreads: 0,
      maxThreads: Math.max(1, Math.min(this.maxThreads, availableParallelism())),
      idleTimeout: IDLE_MS,
    });
    // A thread failing while it runs no attempt (an error a body threw from a timer after it
    // returned) is told as an 'error' event: unheard, it would end the runner's process.
    pool.on('error', (error: unknown) => {
      this.logger.warn({ err: toError(error) }, 'a task thread failed outside any attempt or poll');
    });
    this.#pool = pool;
    return pool;
  }
}

/** The part of tsx's package.json that says where its ESM API is. */
interface TsxManifest {
  readonly exports: { readonly './esm/api': { readonly import: { readonly default: string } } };
}

/** Reads the messages already queued on `port`. */
function drain(port: MessagePort, onLine: (message: LogMessage) => void): void {
  for (let next = receiveMessageOnPort(port); next !== undefined;) {
    onLine(next.message as LogMessage);
    next = receiveMessageOnPort(port);
  }
}

/**
 * The worker's entry module. Built, it is `entry.js` next to this file. Run from the
 * TypeScript sources (the tests, which vitest compiles in its own thread only), it is a small
 * module that registers tsx in the worker and then loads `entry.ts`: tsx given by `--import`
 * in a worker's `execArgv` does not apply to the worker on Node 20.
 */
function entry(): string {
  if (!import.meta.url.endsWith('.ts')) return new URL('./entry.js', import.meta.url).href;
  // The ESM form of tsx's API, as its package exports it (resolving from here would give the
  // CommonJS form, whose named exports an ES module cannot import).
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const exports = (JSON.parse(readFileSync(manifest, 'utf8')) as TsxManifest).exports;
  const tsx = new URL(exports['./esm/api'].import.default, pathToFileURL(manifest)).href;
  const source = new URL('./entry.ts', import.meta.url).href;
  const bootstrap =
    `import { register } from ${JSON.stringify(tsx)}; register();\n` +
    `const entry = import(${JSON.stringify(source)});\n` +
    `export async function run(request) { return (await entry).run(request); }\n`;
  return `data:text/javascript,${encodeURIComponent(bootstrap)}`;
}
