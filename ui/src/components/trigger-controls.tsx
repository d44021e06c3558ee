/**
 * Steering a trigger: enable / disable, and Fire now with an optional JSON context (in a dialog,
 * so the lists stay compact). Both need the `operate` scope and are absent without it; the fire's
 * answer — started execution, or suppressed as a duplicate of an open one — is shown in the
 * dialog.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import { hasScope } from '../api/session.js';
import type { FireResult, TriggerSchedule } from '../api/types.js';
import { parseContextText } from '../start-form/fields.js';
import { ActionButton } from './action-button.js';
import { ExecutionLink } from './execution-link.js';

const path = (name: string, action: string) => `v1/triggers/${encodeURIComponent(name)}/${action}`;

/** Enable/disable and Fire now for one trigger; `onChanged` reloads what the page shows. */
export function TriggerControls(props: {
  readonly schedule: TriggerSchedule;
  readonly onChanged: () => void;
}) {
  const { schedule } = props;
  return (
    <span class="row trigger-controls">
      <ActionButton
        scope="operate"
        label={schedule.enabled ? 'Disable' : 'Enable'}
        run={async () => {
          await api(path(schedule.triggerName, schedule.enabled ? 'disable' : 'enable'), {
            method: 'POST',
          });
          props.onChanged();
        }}
      />
      <FireNow name={schedule.triggerName} onFired={props.onChanged} />
    </span>
  );
}

function FireNow(props: { readonly name: string; readonly onFired: () => void }) {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [result, setResult] = useState<FireResult | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const d = dialog.current;
    if (d === null) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);

  if (!hasScope('operate')) return null;
  const fire = async () => {
    const parsed = parseContextText(text);
    if (!parsed.ok) throw new Error(parsed.error);
    setResult(null);
    const answer = await api<FireResult>(path(props.name, 'fire'), {
      method: 'POST',
      body: Object.keys(parsed.context).length === 0 ? {} : { context: parsed.context },
    });
    setResult(answer);
    props.onFired();
  };
  const titleId = `fire-title-${props.name}`;
  return (
    <>
      <button type="button" class="btn" onClick={() => setOpen(true)}>
        Fire now…
      </button>
      <dialog
        ref={dialog}
        class="fire-dialog card"
        aria-labelledby={titleId}
        onClose={() => setOpen(false)}
      >
        <h2 id={titleId}>
          Fire <code>{props.name}</code> now
        </h2>
        <label for={`fire-context-${props.name}`}>Context (JSON object, optional)</label>
        <textarea
          id={`fire-context-${props.name}`}
          rows={6}
          spellcheck={false}
          placeholder='{ "file": "inbox/a.csv" }'
          value={text}
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
        />
        <p class="muted">
          Unless the trigger allows concurrent runs, a fire whose context matches an execution of it
          that is still open is suppressed as a duplicate.
        </p>
        {result !== null && <FireAnswer result={result} />}
        <div class="row dialog-buttons">
          <ActionButton scope="operate" kind="primary" label="Fire" run={fire} />
          <button type="button" class="btn" onClick={() => setOpen(false)}>
            Close
          </button>
        </div>
      </dialog>
    </>
  );
}

function FireAnswer({ result }: { readonly result: FireResult }) {
  const hash = result.contextHash;
  if (result.status === 'fired') {
    const fanOut = result.fanOutExecutionIds ?? [];
    return (
      <p class="fire-result fire-result-fired" role="status">
        Fired: execution{' '}
        {result.executionId !== undefined && <ExecutionLink id={result.executionId} />}
        {fanOut.length > 0 &&
          ` and ${fanOut.length} fan-out execution${fanOut.length === 1 ? '' : 's'}`}
        {hash !== undefined && (
          <span class="muted">
            {' '}
            · context hash <code title={hash}>{hash.slice(0, 12)}</code>
          </span>
        )}
      </p>
    );
  }
  return (
    <p class="fire-result fire-result-deduplicated" role="status">
      Suppressed as a duplicate
      {result.openExecutionId !== null && result.openExecutionId !== undefined ? (
        <>
          {' '}
          of open execution <ExecutionLink id={result.openExecutionId} />
        </>
      ) : (
        ' of an open execution'
      )}
      {hash !== undefined && (
        <span class="muted">
          {' '}
          · context hash <code title={hash}>{hash.slice(0, 12)}</code>
        </span>
      )}
    </p>
  );
}
