/** How a scheduler tells running work to wind down: two stages, see Scheduler.shutdown. */
export interface RunSignals {
  /** No new work should start (shutdown requested). */
  stop: AbortSignal;
  /** Work in flight must end now (grace period over). */
  kill: AbortSignal;
}
