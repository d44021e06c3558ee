import { useState } from 'preact/hooks';
import { storeKey } from '../api/session.js';

/**
 * Asks for the API key once per browser session. The key is checked by the caller (`checkSession`)
 * and kept in `sessionStorage`; a refused key comes back here with the server's reason.
 */
export function KeyPrompt({ message, onSubmit }: { message: string | null; onSubmit: () => void }) {
  const [key, setKey] = useState('');
  return (
    <main class="key-prompt">
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          if (key.trim() === '') return;
          storeKey(key.trim());
          onSubmit();
        }}
      >
        <h1>Cloacina</h1>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autocomplete="off"
          autoFocus
          value={key}
          onInput={(e) => setKey((e.target as HTMLInputElement).value)}
          placeholder="ck_…"
        />
        {message !== null && (
          <p class="error-inline" role="alert">
            {message}
          </p>
        )}
        <p class="muted">
          Create one with <code>cloacinactl keys create --scope read</code> (or <code>operate</code>{' '}
          to steer runs). It is kept for this browser tab only.
        </p>
        <button type="submit" class="btn btn-primary">
          Open
        </button>
      </form>
    </main>
  );
}
