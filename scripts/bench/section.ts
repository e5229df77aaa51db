/**
 * One part of `make bench`. Each section measures one thing and returns the markdown that
 * docs/performance.md keeps for it; scripts/bench.ts runs the sections and replaces only the
 * parts of the page whose section ran (`BENCH_ONLY=copy,faults make bench` runs two).
 */
export interface BenchSection {
  /** Short id, used in BENCH_ONLY and in the page's markers. */
  name: string;
  /** The section's heading in docs/performance.md. */
  title: string;
  /** Measures; `markdown` is the section's body (what was measured, the table, the goal). */
  run(): Promise<{ markdown: string; failed: boolean }>;
}
