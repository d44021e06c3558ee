import type { Runner } from '../api/types.js';
import { formatAgo, formatTime, shortId } from '../format.js';

/** A heartbeat older than this is shown as late (runners beat every few seconds). */
const LATE_MS = 30_000;

/**
 * Live runners: who they are (name, host, pid), how fresh their heartbeat is, and how many tasks
 * each holds now. `now` makes the ages count up between reloads.
 */
export function RunnersTable({ runners, now }: { runners: readonly Runner[]; now: number }) {
  if (runners.length === 0) {
    return (
      <p class="muted">
        No runner is alive: executions wait as Pending until one starts (
        <code>cloacinactl daemon</code> or a <code>DefaultRunner</code> in your application).
      </p>
    );
  }
  return (
    <div class="table-wrap">
      <table class="runners-table">
        <thead>
          <tr>
            <th scope="col">Runner</th>
            <th scope="col">Host</th>
            <th scope="col">PID</th>
            <th scope="col">Heartbeat</th>
            <th scope="col">Tasks held</th>
            <th scope="col">Workflows</th>
          </tr>
        </thead>
        <tbody>
          {runners.map((r) => {
            const age = now - new Date(r.heartbeatAt).getTime();
            return (
              <tr key={r.runnerId}>
                <td class="nowrap" title={r.runnerId}>
                  {r.name ?? shortId(r.runnerId)}
                </td>
                <td>{r.hostname}</td>
                <td class="num">{r.pid}</td>
                <td
                  class={age > LATE_MS ? 'nowrap late' : 'nowrap'}
                  title={`Last heartbeat ${formatTime(r.heartbeatAt)}; started ${formatTime(r.startedAt)}`}
                >
                  {formatAgo(r.heartbeatAt, now)}
                </td>
                <td class="num">{r.claims}</td>
                <td title={r.workflows.join(', ')}>{r.workflows.length}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
