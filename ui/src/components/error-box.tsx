import type { ApiError } from '../api/client.js';

/** An API error as a page shows it: what went wrong and, for a refused scope, what is needed. */
export function ErrorBox({ error }: { error: ApiError | undefined }) {
  if (error === undefined) return null;
  return (
    <div class="error-box" role="alert">
      <strong>{error.status === 0 ? 'Cannot reach the server' : `Error ${error.status}`}</strong>{' '}
      {error.message}
    </div>
  );
}
