/**
 * A collapsible JSON viewer: objects and arrays open and close with real buttons (`aria-expanded`),
 * a closed one says how much it holds (`{3 keys}`, `[12 items]`), long strings are cut with a
 * "more" toggle, and the whole value can be copied as JSON.
 */
import { useState } from 'preact/hooks';
import { copyText } from './copy-text.js';

/** Props of {@link JsonViewer}. */
export interface JsonViewerProps {
  readonly value: unknown;
  /** Levels open at first. @default 1 */
  readonly openDepth?: number;
  /** Accessible name of the tree, e.g. "Output context". */
  readonly label?: string;
}

/** Strings longer than this are cut, with a "more" toggle. */
export const STRING_LIMIT = 160;
/** Children shown at first in one object or array; the rest behind a "show all" button. */
export const CHILD_LIMIT = 200;

/** `{1 key}`, `{3 keys}`, `[1 item]`, `[12 items]`: what a closed container holds. */
export function containerSummary(value: object): string {
  if (Array.isArray(value)) return `[${value.length} ${value.length === 1 ? 'item' : 'items'}]`;
  const n = Object.keys(value).length;
  return `{${n} ${n === 1 ? 'key' : 'keys'}}`;
}

/** Shows `value` as a tree, `openDepth` levels open, with a button that copies it as JSON. */
export function JsonViewer({ value, openDepth = 1, label }: JsonViewerProps) {
  const [copied, setCopied] = useState<'idle' | 'done' | 'failed'>('idle');
  const onCopy = async () => {
    const ok = await copyText(JSON.stringify(value, null, 2) ?? 'undefined');
    setCopied(ok ? 'done' : 'failed');
    setTimeout(() => setCopied('idle'), 1500);
  };
  return (
    <div class="json-viewer" role="group" aria-label={label}>
      <div class="json-toolbar">
        <button type="button" class="btn btn-small" onClick={() => void onCopy()}>
          Copy JSON
        </button>
        <span class="muted" role="status">
          {copied === 'done' ? 'Copied' : copied === 'failed' ? 'Copy failed' : ''}
        </span>
      </div>
      <div class="json-tree">
        <JsonValue value={value} depth={0} openDepth={openDepth} />
      </div>
    </div>
  );
}

interface ValueProps {
  readonly value: unknown;
  readonly depth: number;
  readonly openDepth: number;
  /** The key or index this value sits under, shown before it. */
  readonly name?: string;
  /** Whether a comma follows (not after the last member). */
  readonly comma?: boolean;
}

function Name({ name }: { name: string | undefined }) {
  if (name === undefined) return null;
  return (
    <>
      <span class="json-key">{name}</span>
      <span class="json-punct">: </span>
    </>
  );
}

function JsonValue(props: ValueProps) {
  const { value } = props;
  if (value !== null && typeof value === 'object')
    return <JsonContainer {...props} value={value} />;
  return (
    <div class="json-line">
      <Name name={props.name} />
      <Scalar value={value} />
      {props.comma === true && <span class="json-punct">,</span>}
    </div>
  );
}

function Scalar({ value }: { value: unknown }) {
  if (value === null) return <span class="json-null">null</span>;
  if (typeof value === 'string') return <JsonString value={value} />;
  if (typeof value === 'number') return <span class="json-number">{String(value)}</span>;
  if (typeof value === 'boolean') return <span class="json-bool">{String(value)}</span>;
  // undefined, functions, bigints, symbols: not JSON, shown as what they are.
  return <span class="json-null">{typeof value === 'undefined' ? 'undefined' : typeof value}</span>;
}

function JsonString({ value }: { value: string }) {
  const [full, setFull] = useState(false);
  const long = value.length > STRING_LIMIT;
  const shown =
    long && !full
      ? `${JSON.stringify(value.slice(0, STRING_LIMIT)).slice(0, -1)}…"`
      : JSON.stringify(value);
  return (
    <>
      <span class="json-string">{shown}</span>
      {long && (
        <button type="button" class="json-more" aria-expanded={full} onClick={() => setFull(!full)}>
          {full ? 'less' : `more (${value.length} chars)`}
        </button>
      )}
    </>
  );
}

function JsonContainer(props: ValueProps & { value: object }) {
  const { value, depth, openDepth } = props;
  const [open, setOpen] = useState(depth < openDepth);
  const [all, setAll] = useState(false);
  const isArray = Array.isArray(value);
  const entries: [string, unknown][] = isArray
    ? (value as unknown[]).map((v, i) => [String(i), v])
    : Object.entries(value);
  const [lb, rb] = isArray ? ['[', ']'] : ['{', '}'];
  const comma = props.comma === true && <span class="json-punct">,</span>;
  if (entries.length === 0) {
    return (
      <div class="json-line">
        <Name name={props.name} />
        <span class="json-punct">{`${lb}${rb}`}</span>
        {comma}
      </div>
    );
  }
  const shown = all ? entries : entries.slice(0, CHILD_LIMIT);
  return (
    <div class="json-node">
      <div class="json-line">
        <button
          type="button"
          class="json-toggle"
          aria-expanded={open}
          aria-label={`${open ? 'Collapse' : 'Expand'} ${props.name ?? 'value'}`}
          onClick={() => setOpen(!open)}
        >
          <span class="json-caret" aria-hidden="true">
            {open ? '▾' : '▸'}
          </span>
        </button>
        <Name name={props.name} />
        {open ? (
          <span class="json-punct">{lb}</span>
        ) : (
          <>
            <button type="button" class="json-summary" onClick={() => setOpen(true)} tabIndex={-1}>
              {containerSummary(value)}
            </button>
            {comma}
          </>
        )}
      </div>
      {open && (
        <>
          <div class="json-children">
            {shown.map(([k, v], i) => (
              <JsonValue
                key={k}
                name={isArray ? undefined : JSON.stringify(k)}
                value={v}
                depth={depth + 1}
                openDepth={openDepth}
                comma={i < entries.length - 1}
              />
            ))}
            {shown.length < entries.length && (
              <button type="button" class="json-more" onClick={() => setAll(true)}>
                {`show all ${entries.length}`}
              </button>
            )}
          </div>
          <div class="json-line">
            <span class="json-punct">{rb}</span>
            {comma}
          </div>
        </>
      )}
    </div>
  );
}
