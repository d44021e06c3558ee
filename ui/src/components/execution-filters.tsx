import {
  FILTER_STATUSES,
  fromLocalInput,
  isFiltered,
  RANGES,
  toLocalInput,
  type ExecutionView,
  type RangeName,
} from '../executions-query.js';
import { statusLook } from '../status.js';

/** Props of {@link ExecutionFilters}. */
export interface ExecutionFiltersProps {
  readonly view: ExecutionView;
  /** Workflow names to choose from (undefined while they load). */
  readonly workflows: readonly string[] | undefined;
  /** Called with the new view (on the newest page: a filter change starts over). */
  readonly onChange: (view: ExecutionView) => void;
}

/**
 * The list's filters: workflow, statuses (several at once), and a time range (presets or two
 * times of the viewer's zone). Every change applies at once and goes into the URL.
 */
export function ExecutionFilters({ view, workflows, onChange }: ExecutionFiltersProps) {
  const change = (patch: Partial<ExecutionView>) => onChange({ ...view, ...patch, cursor: null });
  const toggle = (status: string, on: boolean) =>
    change({
      statuses: FILTER_STATUSES.filter((s) => (s === status ? on : view.statuses.includes(s))),
    });
  // The selected workflow stays selectable while the names load or after it was deleted.
  const names =
    view.workflow !== null && !(workflows ?? []).includes(view.workflow)
      ? [view.workflow, ...(workflows ?? [])]
      : (workflows ?? []);
  return (
    <form class="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
      <div class="filter">
        <label for="filter-workflow">Workflow</label>
        <select
          id="filter-workflow"
          value={view.workflow ?? ''}
          onChange={(e) => change({ workflow: (e.target as HTMLSelectElement).value || null })}
        >
          <option value="">All workflows</option>
          {names.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </div>
      <fieldset class="filter status-filter">
        <legend>Status</legend>
        <div class="chips">
          {FILTER_STATUSES.map((status) => {
            const checked = view.statuses.includes(status);
            return (
              <label key={status} class={`chip ${statusLook(status).className}`}>
                <input
                  type="checkbox"
                  name="status"
                  value={status}
                  checked={checked}
                  onChange={(e) => toggle(status, (e.target as HTMLInputElement).checked)}
                />
                {statusLook(status).label}
              </label>
            );
          })}
        </div>
      </fieldset>
      {/* The range and its two times wrap as one group. */}
      <div class="filter-group">
        <div class="filter">
          <label for="filter-range">Created</label>
          <select
            id="filter-range"
            value={view.range ?? ''}
            onChange={(e) => {
              const value = (e.target as HTMLSelectElement).value;
              change({ range: value === '' ? null : (value as RangeName) });
            }}
          >
            <option value="">Any time</option>
            {Object.entries(RANGES).map(([name, range]) => (
              <option key={name} value={name}>
                {range.label}
              </option>
            ))}
          </select>
        </div>
        {view.range === 'custom' && (
          <>
            <div class="filter">
              <label for="filter-since">From</label>
              <input
                id="filter-since"
                type="datetime-local"
                value={toLocalInput(view.since)}
                onChange={(e) =>
                  change({ since: fromLocalInput((e.target as HTMLInputElement).value) })
                }
              />
            </div>
            <div class="filter">
              <label for="filter-until">To</label>
              <input
                id="filter-until"
                type="datetime-local"
                value={toLocalInput(view.until)}
                onChange={(e) =>
                  change({ until: fromLocalInput((e.target as HTMLInputElement).value) })
                }
              />
            </div>
          </>
        )}
      </div>
      {isFiltered(view) && (
        <div class="filter filter-clear">
          <button
            type="button"
            class="btn btn-plain"
            onClick={() =>
              onChange({
                workflow: null,
                statuses: [],
                range: null,
                since: null,
                until: null,
                cursor: null,
              })
            }
          >
            Clear filters
          </button>
        </div>
      )}
    </form>
  );
}
