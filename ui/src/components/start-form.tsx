/**
 * Starts an execution of a workflow from a form drawn from its input schema (see
 * `start-form/fields.ts`), or from a JSON editor when it has none. The server's answer decides
 * what is shown: 201 → `onStarted(id)`; 422 → each issue next to its field (the rest above the
 * form); 400 and others → the problem detail; 403 → which scope is needed.
 */
import { useMemo, useState } from 'preact/hooks';
import { api, ApiError } from '../api/client.js';
import { hasScope } from '../api/session.js';
import type { Started } from '../api/types.js';
import {
  buildContext,
  initialValues,
  parseContextText,
  placeIssues,
  planForm,
  type FormField,
  type FormValues,
  type JsonObject,
} from '../start-form/fields.js';
import { ErrorBox } from './error-box.js';

/** Props of {@link StartForm}. */
export interface StartFormProps {
  readonly workflow: string;
  /** The workflow's `inputSchema` (null: none declared). */
  readonly inputSchema: JsonObject | null;
  /** Called with the new execution's id once the server has created it. */
  readonly onStarted: (executionId: string) => void;
}

/** The start form of a workflow; nothing but a note without the `operate` scope. */
export function StartForm(props: StartFormProps) {
  const plan = useMemo(() => planForm(props.inputSchema), [props.inputSchema]);
  const fields = plan.kind === 'fields' ? plan.fields : [];
  const [values, setValues] = useState<FormValues>(() => initialValues(fields));
  const [jsonText, setJsonText] = useState('{\n  \n}');
  const [fieldErrors, setFieldErrors] = useState<Readonly<Record<string, readonly string[]>>>({});
  const [formErrors, setFormErrors] = useState<readonly string[]>([]);
  const [problem, setProblem] = useState<ApiError | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [forbidden, setForbidden] = useState(false);

  if (forbidden || !hasScope('operate')) {
    return (
      <p class="muted scope-note">Starting an execution needs a key with the 'operate' scope.</p>
    );
  }

  const submit = async (event: Event) => {
    event.preventDefault();
    setProblem(undefined);
    setFormErrors([]);
    setFieldErrors({});
    let context: JsonObject;
    if (plan.kind === 'fields') {
      const built = buildContext(fields, values);
      if (!built.ok) {
        setFieldErrors(Object.fromEntries(Object.entries(built.errors).map(([k, v]) => [k, [v]])));
        return;
      }
      context = built.context;
    } else {
      const parsed = parseContextText(jsonText);
      if (!parsed.ok) {
        setFormErrors([parsed.error]);
        return;
      }
      context = parsed.context;
    }
    setBusy(true);
    try {
      const started = await api<Started>('v1/executions', {
        method: 'POST',
        body: { workflow: props.workflow, context },
      });
      props.onStarted(started.executionId);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 403) setForbidden(true);
      else if (error.status === 422 && error.issues.length > 0) {
        const placed = placeIssues(error.issues, fields);
        setFieldErrors(placed.byField);
        setFormErrors(placed.unmatched);
        // The detail repeats the issues; say only that nothing was started.
        if (placed.unmatched.length === 0 && Object.keys(placed.byField).length === 0) {
          setProblem(error);
        }
      } else setProblem(error);
    } finally {
      setBusy(false);
    }
  };

  const invalid = Object.keys(fieldErrors).length > 0 || formErrors.length > 0;
  return (
    <form class="start-form" noValidate onSubmit={(e) => void submit(e)} aria-label="Start">
      <ErrorBox error={problem} />
      {invalid && (
        <div class="error-box" role="alert">
          <strong>Nothing was started.</strong>{' '}
          {Object.keys(fieldErrors).length > 0 && 'See the messages by the fields.'}
          {formErrors.length > 0 && (
            <ul class="form-errors">
              {formErrors.map((message) => (
                <li key={message}>{message}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      {plan.kind === 'fields' ? (
        <div class="form-fields">
          {fields.map((field, index) => (
            <FieldInput
              key={field.name}
              field={field}
              id={`start-field-${index}`}
              value={values[field.name] ?? ''}
              errors={fieldErrors[field.name] ?? []}
              onChange={(value) => setValues((previous) => ({ ...previous, [field.name]: value }))}
            />
          ))}
        </div>
      ) : (
        <div class="form-field" data-field="(context)">
          <label for="start-context">Context (JSON object)</label>
          <small class="muted" id="start-context-help">
            {plan.reason ?? 'This workflow declares no input schema: any JSON object is accepted.'}
          </small>
          <textarea
            id="start-context"
            rows={8}
            spellcheck={false}
            aria-describedby="start-context-help"
            value={jsonText}
            onInput={(e) => setJsonText((e.target as HTMLTextAreaElement).value)}
          />
        </div>
      )}
      <div class="row">
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? 'Starting…' : 'Start execution'}
        </button>
      </div>
    </form>
  );
}

interface FieldInputProps {
  readonly field: FormField;
  readonly id: string;
  readonly value: string | boolean;
  readonly errors: readonly string[];
  readonly onChange: (value: string | boolean) => void;
}

/** One field: its label (with the required mark), input, help text and error messages. */
function FieldInput({ field, id, value, errors, onChange }: FieldInputProps) {
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const described =
    [field.help !== null ? helpId : null, errors.length > 0 ? errorId : null]
      .filter((x) => x !== null)
      .join(' ') || undefined;
  const common = {
    id,
    name: field.name,
    'aria-describedby': described,
    'aria-invalid': errors.length > 0 ? ('true' as const) : undefined,
    'aria-required': field.required ? ('true' as const) : undefined,
  };
  const text = typeof value === 'string' ? value : '';
  const onText = (e: Event) => onChange((e.target as HTMLInputElement).value);
  let input;
  switch (field.kind) {
    case 'checkbox':
      input = (
        <input
          {...common}
          type="checkbox"
          checked={value === true}
          onChange={(e) => onChange((e.target as HTMLInputElement).checked)}
        />
      );
      break;
    case 'select':
      input = (
        <select {...common} value={text} onChange={onText}>
          <option value="">{field.required ? '— choose —' : '— none —'}</option>
          {field.options.map((option, i) => (
            <option key={i} value={String(i)}>
              {typeof option === 'string' ? option : JSON.stringify(option)}
            </option>
          ))}
        </select>
      );
      break;
    case 'json':
      input = (
        <textarea
          {...common}
          rows={4}
          spellcheck={false}
          placeholder="JSON"
          value={text}
          onInput={onText}
        />
      );
      break;
    case 'number':
    case 'integer':
      input = (
        <input
          {...common}
          type="text"
          inputMode={field.kind === 'integer' ? 'numeric' : 'decimal'}
          value={text}
          onInput={onText}
        />
      );
      break;
    default:
      input = (
        <input
          {...common}
          type={
            field.kind === 'date' ? 'date' : field.kind === 'datetime' ? 'datetime-local' : 'text'
          }
          step={field.kind === 'datetime' ? 1 : undefined}
          value={text}
          onInput={onText}
        />
      );
  }
  const bounds = boundsText(field);
  return (
    <div
      class={`form-field form-field-${field.kind}${errors.length > 0 ? ' has-error' : ''}`}
      data-field={field.name}
    >
      <label for={id}>
        <code>{field.name}</code>
        {field.required && (
          <span class="required" title="required">
            {' '}
            *<span class="visually-hidden"> (required)</span>
          </span>
        )}
        <span class="field-kind muted"> {kindText(field)}</span>
      </label>
      {input}
      {(field.help !== null || bounds !== null) && (
        <small class="muted field-help" id={helpId}>
          {[field.help, bounds].filter((x) => x !== null).join(' · ')}
        </small>
      )}
      {errors.length > 0 && (
        <div class="field-error" id={errorId} role="alert">
          {errors.map((message) => (
            <div key={message}>{message}</div>
          ))}
        </div>
      )}
    </div>
  );
}

function kindText(field: FormField): string {
  switch (field.kind) {
    case 'datetime':
      return 'date-time, your local time';
    case 'checkbox':
      return 'boolean';
    case 'select':
      return 'one of';
    case 'json':
      return 'JSON';
    default:
      return field.kind === 'text' ? 'string' : field.kind;
  }
}

function boundsText(field: FormField): string | null {
  const unit = field.kind === 'text' ? ' characters' : '';
  if (field.min !== null && field.max !== null) return `${field.min}–${field.max}${unit}`;
  if (field.min !== null) return `at least ${field.min}${unit}`;
  if (field.max !== null) return `at most ${field.max}${unit}`;
  return null;
}
