/**
 * Errors as `application/problem+json` (RFC 9457): `{ type, title, status, detail, code }`, with
 * the engine's stable error `code` so clients branch on it rather than on the text.
 */
import { isCloacinaError, ErrorCode } from '../index.js';

/** Codes of errors the HTTP layer itself raises (the engine's codes are in `ErrorCode`). */
export const HttpErrorCode = {
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  MALFORMED_JSON: 'MALFORMED_JSON',
  INVALID_REQUEST: 'INVALID_REQUEST',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  ROUTE_NOT_FOUND: 'ROUTE_NOT_FOUND',
  UNAVAILABLE: 'UNAVAILABLE',
  INTERNAL: 'INTERNAL',
} as const;

/** A problem document. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  /** Per-field problems of a request or an input that failed a schema. */
  readonly issues?: readonly { readonly path: string; readonly message: string }[];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Builds a problem document. */
export function problem(
  status: number,
  code: string,
  detail: string,
  issues?: Problem['issues'],
): Problem {
  return {
    type: `https://cloacina.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    ...(issues !== undefined ? { issues } : {}),
  };
}

/** HTTP status of each engine error code; codes not listed are a client's bad value (400). */
const STATUS_OF_CODE: Partial<Record<string, number>> = {
  [ErrorCode.WORKFLOW_NOT_FOUND]: 404,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.INVALID_STATE]: 409,
  [ErrorCode.INPUT_VALIDATION]: 422,
  [ErrorCode.DATABASE]: 503,
  [ErrorCode.SHUTDOWN]: 503,
  [ErrorCode.TIMEOUT]: 504,
  [ErrorCode.TASK_FAILED]: 500,
};

/**
 * The problem an error thrown by the engine stands for. Engine errors keep their message (it
 * names the bad value and what to do); anything else is a 500 whose detail says nothing of the
 * internals (the server logs it).
 */
export function problemOf(error: unknown): Problem {
  if (!isCloacinaError(error)) {
    return problem(500, HttpErrorCode.INTERNAL, 'The server failed to handle this request.');
  }
  const status = STATUS_OF_CODE[error.code] ?? 400;
  if (error.code === ErrorCode.DATABASE) {
    // Driver messages can name hosts and carry SQL: the server logs them, clients get this.
    return problem(status, error.code, 'The database is unavailable; retry in a moment.');
  }
  const issues = inputIssues(error);
  return problem(status, error.code, error.message, issues);
}

function inputIssues(error: Error): Problem['issues'] {
  const raw = (error as { issues?: unknown }).issues;
  if (!Array.isArray(raw)) return undefined;
  return raw.map((issue: { path?: readonly (string | number)[]; message?: string }) => ({
    path: (issue.path ?? []).join('.'),
    message: String(issue.message ?? ''),
  }));
}

/** A JSON response with the problem content type. */
export function problemResponse(body: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status: body.status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });
}
