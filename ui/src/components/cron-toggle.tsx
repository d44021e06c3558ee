import { api } from '../api/client.js';
import type { CronSchedule } from '../api/types.js';
import { ActionButton } from './action-button.js';

/** Enable / disable of a cron schedule (operate scope; absent without it). */
export function CronToggle(props: {
  readonly schedule: CronSchedule;
  readonly onChanged: () => void;
}) {
  const { schedule } = props;
  const action = schedule.enabled ? 'disable' : 'enable';
  return (
    <ActionButton
      scope="operate"
      label={schedule.enabled ? 'Disable' : 'Enable'}
      run={async () => {
        await api(`v1/cron/${encodeURIComponent(schedule.id)}/${action}`, { method: 'POST' });
        props.onChanged();
      }}
    />
  );
}
