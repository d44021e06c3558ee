/**
 * Stored workflow definitions (issue 8), written once for both dialects. A runner records each
 * workflow version it registers; clients read them to list workflows and to schedule by name
 * without the task code.
 */
import type { JsonObject } from '../../core/json.js';
import type { Tx } from '../db.js';
import type { NewTask } from '../records.js';
import { freeText } from '../text.js';

/** A stored workflow definition. Times are epoch milliseconds. */
export interface DefinitionRecord {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  /** The code-free JSON of `Workflow.toDefinition()`. */
  readonly definition: JsonObject;
  /** The task rows an execution of this version starts with. */
  readonly plan: readonly NewTask[];
  /** The runner that registered it most recently. */
  readonly registeredBy: string | null;
  readonly registeredAtMs: number;
}

/** Input of {@link saveDefinition}. */
export interface NewDefinition {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly definition: JsonObject;
  readonly plan: readonly NewTask[];
  readonly runnerId: string;
  readonly nowMs: number;
}

interface DefinitionRow {
  name: string;
  version: string;
  description: string;
  definition: string;
  plan: string;
  registered_by: string | null;
  registered_at_ms: number;
}

function toRecord(row: DefinitionRow): DefinitionRecord {
  return {
    name: row.name,
    version: row.version,
    description: row.description,
    definition: JSON.parse(row.definition) as JsonObject,
    plan: JSON.parse(row.plan) as NewTask[],
    registeredBy: row.registered_by,
    registeredAtMs: row.registered_at_ms,
  };
}

/** Rows that no other version of the same name outranks (later registration, then version). */
const LATEST = `
  SELECT d.* FROM workflow_definitions d
  WHERE NOT EXISTS (
    SELECT 1 FROM workflow_definitions n
    WHERE n.name = d.name
      AND (n.registered_at_ms > d.registered_at_ms
        OR (n.registered_at_ms = d.registered_at_ms AND n.version > d.version))
  )`;

/**
 * Records a definition, making it the latest of its name. Registering a version again (a
 * restart, or a reload back to older code) refreshes its time, so it becomes the latest again.
 * The time is moved past every other version's, so two registrations in the same millisecond
 * (a quick reload) still order as they happened in this process.
 */
export async function saveDefinition(tx: Tx, input: NewDefinition): Promise<DefinitionRecord> {
  const newest = await tx.get<{ at: number | null }>(
    'SELECT MAX(registered_at_ms) AS at FROM workflow_definitions WHERE name = ? AND version <> ?',
    [input.name, input.version],
  );
  const otherMs = newest?.at === null || newest?.at === undefined ? null : newest.at;
  const atMs = otherMs !== null && otherMs >= input.nowMs ? otherMs + 1 : input.nowMs;
  const row = await tx.get<DefinitionRow>(
    `INSERT INTO workflow_definitions
       (name, version, description, definition, plan, registered_by, registered_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (name, version) DO UPDATE SET
       description = excluded.description,
       definition = excluded.definition,
       plan = excluded.plan,
       registered_by = excluded.registered_by,
       registered_at_ms = excluded.registered_at_ms
     RETURNING *`,
    [
      input.name,
      input.version,
      freeText(input.description),
      JSON.stringify(input.definition),
      JSON.stringify(input.plan),
      input.runnerId,
      atMs,
    ],
  );
  return toRecord(row!);
}

/** The latest definition of `name`, or of exactly `version` when given; null when unknown. */
export async function getDefinition(
  tx: Tx,
  name: string,
  version?: string,
): Promise<DefinitionRecord | null> {
  const row =
    version === undefined
      ? await tx.get<DefinitionRow>(`${LATEST} AND d.name = ?`, [name])
      : await tx.get<DefinitionRow>(
          'SELECT * FROM workflow_definitions WHERE name = ? AND version = ?',
          [name, version],
        );
  return row === undefined ? null : toRecord(row);
}

/**
 * The latest definition of every stored workflow, by name; with `page`, at most `limit` of them
 * with a name after `afterName` (a range of the primary key, which is ordered by name).
 */
export async function listLatestDefinitions(
  tx: Tx,
  page?: { afterName: string | null; limit: number },
): Promise<DefinitionRecord[]> {
  if (page === undefined) {
    return (await tx.all<DefinitionRow>(`${LATEST} ORDER BY d.name`)).map(toRecord);
  }
  const after = page.afterName === null ? '' : 'AND d.name > ?';
  const rows = await tx.all<DefinitionRow>(`${LATEST} ${after} ORDER BY d.name LIMIT ?`, [
    ...(page.afterName === null ? [] : [page.afterName]),
    page.limit,
  ]);
  return rows.map(toRecord);
}

/** Every stored version of `name`, most recently registered first. */
export async function listDefinitionVersions(tx: Tx, name: string): Promise<DefinitionRecord[]> {
  const rows = await tx.all<DefinitionRow>(
    'SELECT * FROM workflow_definitions WHERE name = ? ORDER BY registered_at_ms DESC, version DESC',
    [name],
  );
  return rows.map(toRecord);
}
