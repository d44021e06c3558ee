/**
 * Calls to the HTTP API. Paths are relative to the page, so the UI works wherever the server is
 * mounted. A 401 sends the session back to the key prompt; every other error is an
 * {@link ApiError} carrying the problem document (`code`, `detail`, field `issues`).
 */
import { currentKey, setSessionState } from './session.js';
import type { Problem } from './types.js';

/** An error answer of the API (or a network failure, `status` 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: readonly { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The absolute URL of an API path such as `v1/executions` (no leading slash). */
export function apiUrl(
  path: string,
  query?: Record<string, string | number | undefined | null>,
): string {
  const url = new URL(path.replace(/^\//, ''), new URL('.', location.origin + location.pathname));
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '')
      url.searchParams.set(name, String(value));
  }
  return url.toString();
}

/** Headers every call sends: the key, when there is one. */
export function authHeaders(): Record<string, string> {
  const key = currentKey();
  return key === null ? {} : { authorization: `Bearer ${key}` };
}

/** Options of {@link api}. */
export interface CallOptions {
  readonly method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Sent as JSON. */
  readonly body?: unknown;
  readonly query?: Record<string, string | number | undefined | null>;
  readonly signal?: AbortSignal;
}

/** Calls the API and returns its JSON body (undefined for 204). */
export async function api<T>(path: string, options: CallOptions = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(apiUrl(path, options.query), {
      method: options.method ?? 'GET',
      headers: {
        accept: 'application/json',
        ...authHeaders(),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'NETWORK', 'The server did not answer. Is it running?');
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const body: unknown = text === '' ? null : safeJson(text);
  if (response.ok) return body as T;
  const problem = (body ?? {}) as Partial<Problem>;
  const error = new ApiError(
    response.status,
    problem.code ?? `HTTP_${response.status}`,
    problem.detail ?? `${response.status} ${response.statusText}`,
    problem.issues ?? [],
  );
  if (response.status === 401) setSessionState({ kind: 'needKey', message: error.message });
  throw error;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { detail: text };
  }
}
