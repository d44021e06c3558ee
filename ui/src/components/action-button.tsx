import { useState } from 'preact/hooks';
import { ApiError } from '../api/client.js';
import { hasScope } from '../api/session.js';
import type { Scope } from '../api/types.js';

/** Props of {@link ActionButton}. */
export interface ActionButtonProps {
  /** The scope the action's route needs: without it the button is not shown. */
  readonly scope: Scope;
  readonly label: string;
  /** Runs the action; its error is shown next to the button. */
  readonly run: () => Promise<unknown>;
  readonly kind?: 'primary' | 'danger' | 'plain';
  /** Asked with `confirm()` before running (for what cannot be undone, such as cancel). */
  readonly confirm?: string;
  readonly disabled?: boolean;
}

/**
 * A button for a steering action. Hidden when the session's key lacks `scope`; if the server
 * still answers 403 (the key's scope was lowered meanwhile) the button goes away and the page says
 * which scope is needed.
 */
export function ActionButton(props: ActionButtonProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [forbidden, setForbidden] = useState(false);
  if (forbidden)
    return (
      <span class="muted scope-note">{`${props.label} needs the '${props.scope}' scope.`}</span>
    );
  if (!hasScope(props.scope)) return null;
  const onClick = async () => {
    if (props.confirm !== undefined && !window.confirm(props.confirm)) return;
    setBusy(true);
    setError(null);
    try {
      await props.run();
    } catch (e) {
      if (e instanceof ApiError && e.status === 403) setForbidden(true);
      else setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="action">
      <button
        type="button"
        class={`btn btn-${props.kind ?? 'plain'}`}
        disabled={busy || props.disabled === true}
        onClick={() => void onClick()}
      >
        {props.label}
      </button>
      {error !== null && (
        <span class="error-inline" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
