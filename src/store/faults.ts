/**
 * Faults a crash test injects into store operations. Each is called at one point inside an
 * operation's transaction, where the test kills the process (SIGKILL) to prove that the
 * transaction leaves nothing half done. They are given when the store is opened, never per
 * call, so the {@link Store} contract itself carries no test seam; a store opened without them
 * (every production one) calls nothing.
 */

/** Fault points of the store's operations; each optional, each called at most once per call. */
export interface StoreFaults {
  /**
   * Inside the transaction of `claimCronFire`, after the compare-and-set and the history row
   * of a fire, before that fire's execution is written.
   */
  readonly cronBeforeHandOff?: () => void;
}
