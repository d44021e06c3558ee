import type { TriggerExecution, TriggerSchedule } from '../api/types.js';
import { outcomeCells, type OutcomeKind } from '../trigger-outcomes.js';

const WORDS: Record<OutcomeKind, string> = {
  fire: 'fired',
  suppressed: 'suppressed duplicate',
  error: 'poll error',
  skip: 'skipped',
};

/**
 * The last outcomes of a trigger as small coloured cells, oldest on the left (what it can and
 * cannot show: see `trigger-outcomes.ts`). Each cell's title says what it was and when.
 */
export function OutcomeStrip(props: {
  readonly schedule: TriggerSchedule;
  readonly history: readonly TriggerExecution[] | undefined;
  readonly max?: number;
}) {
  if (props.history === undefined) return <span class="muted">…</span>;
  const cells = outcomeCells(props.schedule, props.history, props.max);
  if (cells.length === 0) return <span class="muted">no outcome yet</span>;
  const counts = cells.reduce<Partial<Record<OutcomeKind, number>>>(
    (acc, c) => ({ ...acc, [c.kind]: (acc[c.kind] ?? 0) + 1 }),
    {},
  );
  const summary = (Object.keys(counts) as OutcomeKind[])
    .map((k) => `${counts[k]} ${WORDS[k]}`)
    .join(', ');
  return (
    <span class="strip" role="img" aria-label={`Last outcomes, oldest first: ${summary}`}>
      {cells.map((cell) => (
        <span
          key={cell.key}
          class={`strip-cell strip-${cell.kind}`}
          data-kind={cell.kind}
          title={cell.title}
        >
          {cell.count > 1 ? cell.count : ''}
        </span>
      ))}
    </span>
  );
}

/** The legend of the strip's colours. */
export function OutcomeLegend() {
  return (
    <span class="strip-legend muted">
      {(Object.keys(WORDS) as OutcomeKind[]).map((kind) => (
        <span key={kind}>
          <span class={`strip-cell strip-${kind}`} aria-hidden="true" /> {WORDS[kind]}
        </span>
      ))}
    </span>
  );
}
