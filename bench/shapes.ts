/**
 * The workload shapes and sizes of issue 7, shared by Cloacina's workloads (`workloads.ts`) and
 * the peer harnesses (`peers/harness.ts`), so every engine is measured on the same numbers.
 */

/** Submits (`executeAsync` calls, or a peer's adds) the producer keeps in flight. */
export const IN_FLIGHT = 10;
/** Tasks in a W2 chain. */
export const CHAIN_LENGTH = 3;
/** Parallel tasks between W3's root and join. */
export const FAN_OUT = 20;

/** How many workflows a workload measures, and how many go in each warm-up batch. */
export interface Size {
  readonly count: number;
  readonly warmup: number;
}

/** The size of each workload that pushes workflows through. */
export const SIZES: Readonly<Record<'W1' | 'W2' | 'W3' | 'W4', Size>> = {
  W1: { count: 2000, warmup: 200 },
  W2: { count: 300, warmup: 50 },
  W3: { count: 20, warmup: 5 },
  W4: { count: 200, warmup: 20 },
};
