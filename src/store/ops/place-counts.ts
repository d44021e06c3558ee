/**
 * Folding `concurrency_counts` (migration 24). On PostgreSQL each database session adds to a
 * row of its own (`slot` = its backend pid), so the rows of a group grow with the sessions that
 * ever started or ended its executions; a fold moves every row it can lock into slot 0, keeping
 * each group's sum. SQLite writes slot 0 only, so a fold there finds nothing.
 */
import type { Tx } from '../db.js';
import { compareBytes, groupId } from './admission-core.js';

/** Session rows folded at most per call: one short transaction, whatever has piled up. */
const FOLD_ROWS = 1_000;

/**
 * Moves session rows of `concurrency_counts` into slot 0, each group's sum unchanged. A row a
 * running transaction holds is skipped (it is being added to; the next fold takes it). A
 * session whose row was folded adds to a new row at its next change. Returns the rows folded.
 */
export async function foldPlaceCounts(tx: Tx): Promise<number> {
  const folded = await tx.all<{ workflow_name: string; concurrency_key: string; active: number }>(
    `DELETE FROM concurrency_counts WHERE (workflow_name, concurrency_key, slot) IN (
       SELECT workflow_name, concurrency_key, slot FROM concurrency_counts
       WHERE slot <> 0 LIMIT ${FOLD_ROWS}${tx.syntax.forUpdateSkipLocked})
     RETURNING workflow_name, concurrency_key, active`,
  );
  const sums = new Map<string, { workflowName: string; key: string; active: number }>();
  for (const row of folded) {
    const group = { workflowName: row.workflow_name, key: row.concurrency_key, active: 0 };
    const sum = sums.get(groupId(group)) ?? group;
    sum.active += Number(row.active);
    sums.set(groupId(group), sum);
  }
  // In byte order, so two folds lock the slot-0 rows they share in the same order.
  const ordered = [...sums.values()].sort(
    (a, b) => compareBytes(a.workflowName, b.workflowName) || compareBytes(a.key, b.key),
  );
  if (ordered.length > 0) {
    await tx.run(
      `INSERT INTO concurrency_counts (workflow_name, concurrency_key, slot, active)
       VALUES ${ordered.map(() => '(?, ?, 0, ?)').join(', ')}
       ON CONFLICT (workflow_name, concurrency_key, slot)
       DO UPDATE SET active = concurrency_counts.active + excluded.active`,
      ordered.flatMap((sum) => [sum.workflowName, sum.key, sum.active]),
    );
  }
  return folded.length;
}
