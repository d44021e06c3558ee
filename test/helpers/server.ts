/**
 * A real API server on a real port for tests: `cloacina/server` over a `Client` on a fresh
 * database, with one API key per scope, and a small `fetch` wrapper. Servers left open by a test
 * are closed after it.
 */
import { afterEach } from 'vitest';
import { Client, type ApiKeyScope } from '../../src/index.js';
import {
  createServer,
  type CloacinaServer,
  type CreateServerOptions,
} from '../../src/server/index.js';
import { freshDatabaseUrl, quietLogger } from './backend.js';
import { waitFor } from './wait.js';

const open = new Set<() => Promise<void>>();

afterEach(async () => {
  const closers = [...open];
  open.clear();
  await Promise.all(closers.map((close) => close()));
});

/** A server under test. */
export interface TestServer {
  readonly url: string;
  readonly dbUrl: string;
  readonly client: Client;
  readonly server: CloacinaServer;
  /** A valid key of each scope. */
  readonly keys: Record<ApiKeyScope, string>;
  /** Calls the API (JSON in and out). `key: null` sends no Authorization header. */
  call(path: string, init?: CallInit): Promise<ApiResponse>;
  close(): Promise<void>;
}

/** Options of {@link TestServer.call}. */
export interface CallInit {
  method?: string;
  /** The API key to send; default the admin key; null for none. */
  key?: string | null;
  /** A value sent as JSON, or a string sent as is. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** What a call returned. */
export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  /** The parsed JSON body, or the text when it is not JSON, or null when empty. */
  readonly body: any;
}

/** Starts a server on a free port over `dbUrl` (default a fresh database). */
export async function startServer(
  dbUrl = freshDatabaseUrl(),
  options: Omit<CreateServerOptions, 'client' | 'runner'> = {},
): Promise<TestServer> {
  const client = await Client.connect(dbUrl, { poolSize: 4 });
  const server = await createServer({ client, logger: quietLogger, ...options });
  const address = await server.listen({ port: 0, host: '127.0.0.1' });
  const keys = {
    read: (await client.createApiKey({ scope: 'read', name: 'reader' })).key,
    operate: (await client.createApiKey({ scope: 'operate', name: 'operator' })).key,
    admin: (await client.createApiKey({ scope: 'admin', name: 'admin' })).key,
  };
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= server.close().then(() => client.close());
    return closed;
  };
  open.add(close);
  return {
    url: address.url,
    dbUrl,
    client,
    server,
    keys,
    close,
    async call(path, init = {}) {
      const key = init.key === undefined ? keys.admin : init.key;
      const headers: Record<string, string> = { ...init.headers };
      if (key !== null) headers.authorization = `Bearer ${key}`;
      let body: string | undefined;
      if (init.body !== undefined) {
        body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
        headers['content-type'] ??= 'application/json';
      }
      const response = await fetch(`${address.url}${path}`, {
        method: init.method ?? (body === undefined ? 'GET' : 'POST'),
        headers,
        body,
      });
      const text = await response.text();
      let parsed: unknown = text === '' ? null : text;
      if (text !== '') {
        try {
          parsed = JSON.parse(text);
        } catch {
          // Not JSON: keep the text.
        }
      }
      return { status: response.status, headers: response.headers, body: parsed };
    },
  };
}

/**
 * Resolves once the runner's definitions of `names` are stored (a runner writes them in the
 * background after `register()`), so a client or the API can start them.
 */
export async function definitionsStored(client: Client, ...names: string[]): Promise<void> {
  await waitFor(
    async () =>
      (await Promise.all(names.map((n) => client.getWorkflow(n)))).every((w) => w !== null),
    10_000,
    `the definitions of ${names.join(', ')}`,
  );
}

/** One message of an event stream. */
export interface SseMessage {
  readonly id: string;
  readonly data: {
    type: string;
    executionId: string | null;
    taskId: string | null;
    [k: string]: unknown;
  };
}

/** An open event stream, read as it arrives. */
export interface SseReader {
  readonly messages: SseMessage[];
  /** The last `id:` received, with or without data (what a browser would resume from). */
  lastEventId(): string | undefined;
  /** Resolves once `predicate` holds for the messages received (fails after `timeoutMs`). */
  until(predicate: (messages: readonly SseMessage[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
}

/** Opens `GET /v1/events/stream` and parses messages as they arrive. */
export async function openStream(
  url: string,
  key: string | null,
  query = '',
  lastEventId?: string,
): Promise<SseReader> {
  const abort = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
  const response = await fetch(`${url}/v1/events/stream${query}`, {
    headers,
    signal: abort.signal,
  });
  if (response.status !== 200 || response.body === null) {
    throw new Error(`stream answered ${response.status}: ${await response.text()}`);
  }
  const messages: SseMessage[] = [];
  let lastId: string | undefined;
  const listeners = new Set<() => void>();
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = response.body.getReader();
  const ended = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let id: string | undefined;
          let data: string | undefined;
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('data: ')) data = line.slice(6);
          }
          if (id !== undefined) lastId = id;
          if (id !== undefined && data !== undefined) {
            messages.push({ id, data: JSON.parse(data) as SseMessage['data'] });
          }
        }
        for (const listener of listeners) listener();
      }
    } catch {
      // Aborted by close().
    }
  })();
  return {
    messages,
    lastEventId: () => lastId,
    ended,
    close: () => abort.abort(),
    until(predicate, timeoutMs = 20_000) {
      if (predicate(messages)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(
              `stream: condition not met within ${timeoutMs} ms; got ${messages.length} messages: ${messages
                .slice(-5)
                .map((m) => m.data.type)
                .join(', ')}`,
            ),
          );
        }, timeoutMs);
        const check = () => {
          if (predicate(messages)) {
            clearTimeout(timer);
            listeners.delete(check);
            resolve();
          }
        };
        listeners.add(check);
        void ended.then(check);
      });
    },
  };
}
