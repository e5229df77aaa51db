/**
 * What `dregsy check` prints: per task, each image that would be copied, is missing at the
 * source or could not be checked, with digests, and a count of those already in sync.
 */
import { escapeControls } from '../errors.js';
import type { ImageResult } from '../sync/image-result.js';
import type { TaskRunResult } from '../sync/run-task.js';

const short = (d: string | undefined) => (d ? d.replace(/^sha256:/, '').slice(0, 12) : '-');

function line(r: ImageResult): string | undefined {
  switch (r.action) {
    case 'would-copy':
      return `  copy     ${r.source} → ${r.target}  (${r.reason ?? 'missing'}: source ${short(r.expectedDigest ?? r.sourceDigest)}, target ${short(r.targetDigest)})`;
    case 'missing-source':
      return `  missing  ${r.source}  (not found at the source)`;
    case 'failed':
      return `  failed   ${r.source} → ${r.target}  (${r.error ?? 'unknown error'})`;
    case 'not-started':
      return `  stopped  ${r.source}`;
    default:
      return undefined;
  }
}

export function formatCheck(results: readonly TaskRunResult[], verbose: boolean): string {
  const out: string[] = [];
  for (const t of results) {
    const c = t.counts;
    const others = c.otherShards !== undefined ? `, ${c.otherShards} repositories on other shards` : '';
    out.push(`task ${t.task}: ${c.selected} selected, ${c.wouldCopy} to copy, ${c.skipped} in sync, ${c.failed} failed${others}`);
    for (const r of [...t.images].sort((a, b) => a.source.localeCompare(b.source))) {
      const l = r.action === 'skipped' && verbose ? `  in sync  ${r.source} → ${r.target}  (${short(r.targetDigest)})` : line(r);
      if (l) out.push(l);
    }
  }
  // names come from registries we do not control: one image, one line, no terminal codes
  return `${out.map(escapeControls).join('\n')}\n`;
}
