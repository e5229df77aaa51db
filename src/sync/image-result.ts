/** What happened to one selected image in one task run: the unit of logs, summaries and reports. */

export type ImageAction =
  /** sync: copied by the relay */
  | 'copied'
  /** the target already has the digest the copy would produce */
  | 'skipped'
  /** check: a copy is needed */
  | 'would-copy'
  /** the source has no such tag or repository */
  | 'missing-source'
  /** the copy, the check or the selection failed */
  | 'failed'
  /** shutdown came before this image's turn */
  | 'not-started';

export interface ImageResult {
  task: string;
  /** `registry/repo:tag`, `registry/repo@digest`, or `registry/repo` when a whole mapping failed. */
  source: string;
  target: string;
  platform: string;
  action: ImageAction;
  /** Why a copy is needed: not at the target, a different digest, digests unknown, or forced. */
  reason?: 'missing' | 'changed' | 'unknown' | 'forced' | undefined;
  sourceDigest?: string | undefined;
  /** What the target had before this run. */
  targetDigest?: string | undefined;
  /** What the target should have after the copy. */
  expectedDigest?: string | undefined;
  durationMs: number;
  error?: string | undefined;
  /** The tag the target's previous image was kept under before this copy replaced it (`backup`). */
  backup?: string | undefined;
  /** `referrers: true`: what refers to the image, copied or found unchanged at the target. */
  referrers?: { copied: number; skipped: number } | undefined;
}

export interface RunCounts {
  selected: number;
  checked: number;
  copied: number;
  skipped: number;
  failed: number;
  /** check mode: images a sync would copy */
  wouldCopy: number;
  notStarted: number;
  /** Sharded runs only: target repositories left to the other replicas (not listed, checked or copied here). */
  otherShards?: number;
}

export function emptyCounts(): RunCounts {
  return { selected: 0, checked: 0, copied: 0, skipped: 0, failed: 0, wouldCopy: 0, notStarted: 0 };
}

/** Counts derived from results, so the summary can never disagree with the report. */
export function countResults(results: readonly ImageResult[], checked: number, selected: number): RunCounts {
  const c = emptyCounts();
  c.selected = selected;
  c.checked = checked;
  for (const r of results) countResult(c, r);
  return c;
}

/** Adds one result to `c` (live progress counts as it goes: recounting every result per image is quadratic). */
export function countResult(c: RunCounts, r: ImageResult): void {
  if (r.action === 'copied') c.copied++;
  else if (r.action === 'skipped') c.skipped++;
  else if (r.action === 'would-copy') c.wouldCopy++;
  else if (r.action === 'not-started') c.notStarted++;
  else c.failed++; // failed, missing-source
}
