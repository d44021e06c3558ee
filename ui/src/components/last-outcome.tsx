import type { TriggerExecution, TriggerSchedule } from '../api/types.js';
import { sinceText } from '../ago.js';
import { formatTime } from '../format.js';
import { lastOutcome } from '../trigger-outcomes.js';
import { ExecutionLink } from './execution-link.js';

/**
 * The last poll of a trigger: how long ago, and what it did — fired (the execution), suppressed
 * a duplicate (of which open execution), skipped (the last reason) or failed (the last error and
 * the streak).
 */
export function LastOutcome(props: {
  readonly schedule: TriggerSchedule;
  readonly newest: TriggerExecution | undefined;
}) {
  const { schedule } = props;
  const outcome = lastOutcome(schedule, props.newest);
  const age =
    schedule.lastPollAt === null ? null : (
      <span title={formatTime(schedule.lastPollAt)}>{sinceText(schedule.lastPollAt)}</span>
    );
  switch (outcome.kind) {
    case 'never':
      return <span class="muted">never polled</span>;
    case 'pending':
      return <span class="outcome">{age} · polling</span>;
    case 'fire':
      return (
        <span class="outcome">
          {age ?? 'fired'}
          {age !== null && ' · '}
          <span class="outcome-fire">fired</span>
          {outcome.executionId !== null && (
            <>
              {' '}
              <ExecutionLink id={outcome.executionId} />
            </>
          )}
        </span>
      );
    case 'suppressed':
      return (
        <span class="outcome">
          {age}
          {age !== null && ' · '}
          <span class="outcome-suppressed">suppressed duplicate</span>
          {outcome.count > 1 && ` ×${outcome.count}`}
          {outcome.openExecutionId !== null && (
            <>
              {' of '}
              <ExecutionLink id={outcome.openExecutionId} />
            </>
          )}
        </span>
      );
    case 'skip':
      return (
        <span class="outcome">
          {age} · <span class="outcome-skip">skipped</span>
          {outcome.reason !== null && <span class="muted"> — {outcome.reason}</span>}
        </span>
      );
    case 'error':
      return (
        <span class="outcome">
          {age}
          {age !== null && ' · '}
          <span class="outcome-error">
            error
            {outcome.streak > 1 && ` (${outcome.streak} in a row)`}
          </span>
          <span class="outcome-message" title={outcome.message}>
            {' '}
            {outcome.message}
          </span>
        </span>
      );
  }
}
