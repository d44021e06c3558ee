/**
 * Leases (migration 16): a named piece of work that one runner at a time does, held until an
 * expiry the holder keeps pushing forward. The same SQL in both dialects.
 */
import type { Tx } from '../db.js';

/** Input of {@link acquireLease}. */
export interface LeaseClaim {
  readonly name: string;
  readonly holder: string;
  readonly nowMs: number;
  /** How long the lease stays held without a renewal. */
  readonly ttlMs: number;
}

/**
 * Takes the lease, or renews it when `holder` already has it; true when `holder` holds it
 * afterwards. One upsert whose update applies only to a row of the same holder or an expired
 * one: two runners racing for a free or expired lease are serialized on its row (PostgreSQL
 * row lock, SQLite's single writer), and the second sees the first's fresh expiry and gets
 * nothing back.
 */
export async function acquireLease(tx: Tx, claim: LeaseClaim): Promise<boolean> {
  const row = await tx.get<{ holder: string }>(
    `INSERT INTO leases (name, holder, acquired_at_ms, expires_at_ms) VALUES (?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET
       holder = excluded.holder,
       expires_at_ms = excluded.expires_at_ms,
       acquired_at_ms = CASE WHEN leases.holder = excluded.holder
                             THEN leases.acquired_at_ms ELSE excluded.acquired_at_ms END
     WHERE leases.holder = excluded.holder OR leases.expires_at_ms <= ?
     RETURNING holder`,
    [claim.name, claim.holder, claim.nowMs, claim.nowMs + claim.ttlMs, claim.nowMs],
  );
  return row?.holder === claim.holder;
}

/** Gives the lease up if `holder` has it, so another runner takes it at once. */
export async function releaseLease(tx: Tx, input: { name: string; holder: string }): Promise<void> {
  await tx.run('DELETE FROM leases WHERE name = ? AND holder = ?', [input.name, input.holder]);
}
