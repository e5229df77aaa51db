/**
 * What a copy does besides the image, hooked into one image's processing at two points:
 * before the relay copies (a backup of what the tag holds, backup.ts) and after the image is
 * in place (its referrers, referrers.ts). Both go through our registry client, whatever the
 * relay, and each failure fails only its image.
 */
import { errorMessage } from '../errors.js';
import type { Redactor } from '../log/redact.js';
import type { ResolvedMapping } from '../model/task.js';
import type { PlannedCopy } from '../plan/plan.js';
import type { RegistryEndpoint } from '../registry/types.js';
import type { Relay } from '../relay/relay.js';
import { backupBeforeOverwrite } from './backup.js';
import type { ImageResult } from './image-result.js';
import { ReferrerRun, subjectsAt, type ReferrerRegistry, type ReferrerRunDeps } from './referrers.js';

export interface ExtrasDeps {
  /** The run's registry client: manifest reads and writes, referrers API. */
  registry: ReferrerRegistry;
  now: () => Date;
}

/**
 * Before the relay overwrites a tag (the check found another image there, or could not tell):
 * the backup tag the mapping asks for; undefined when none was needed. Throws BackupError.
 */
export async function backupFirst(
  deps: ExtrasDeps,
  mapping: ResolvedMapping,
  copy: PlannedCopy,
  ends: { source: RegistryEndpoint; target: RegistryEndpoint },
  facts: { reason: ImageResult['reason']; expectedDigest: string | undefined },
  signal: AbortSignal,
): Promise<string | undefined> {
  const tag = copy.ref.tag;
  // A new tag overwrites nothing; a copy by digest only adds.
  if (!mapping.backup || tag === undefined || facts.reason === 'missing') return undefined;
  // Forced or unchecked: the source's digest tells a re-copy of the same image (no backup) from
  // a change. If it cannot be read, the backup is made: an extra tag is better than a lost image.
  const incoming = facts.expectedDigest ?? (await deps.registry.headManifest(ends.source, copy.sourceRepo, copy.ref.digest ?? tag, signal).catch(() => undefined))?.digest;
  const made = await backupBeforeOverwrite(
    deps.registry,
    { target: ends.target, repo: copy.targetRepo, tag, template: mapping.backup, incoming, now: deps.now() },
    signal,
  );
  return made.kind === 'made' ? made.tag : undefined;
}

/** What a referrer run needs (referrers.ts), with the relay still optional (check mode has none). */
export interface ReferrerStepDeps extends ExtrasDeps, Omit<ReferrerRunDeps, 'registry' | 'relay'> {
  relay: Relay | undefined;
  redactor: Redactor;
}

/** Per task run: copies an image's referrers once the image is in place (copied or unchanged). */
export function referrerStep(deps: ReferrerStepDeps): (mapping: ResolvedMapping, copy: PlannedCopy, source: RegistryEndpoint, target: RegistryEndpoint, result: ImageResult) => Promise<ImageResult> {
  let run: ReferrerRun | undefined;
  return async (mapping, copy, source, target, result) => {
    if (!mapping.referrers || !deps.relay || (result.action !== 'copied' && result.action !== 'skipped')) return result;
    run ??= new ReferrerRun({ ...deps, relay: deps.relay });
    const started = Date.now();
    try {
      const ref = refText(copy);
      // What the check found the target has, or expects it to have after the copy (skopeo and native keep digests).
      const subjects = await deps.limitCheck(() => subjectsAt(deps.registry, target, copy.targetRepo, ref, mapping.platform, result.expectedDigest, deps.signal));
      const referrers = await run.copy({ source, sourceRepo: copy.sourceRepo, target, targetRepo: copy.targetRepo, subjects });
      if (referrers.copied > 0) deps.logger.info(`copied ${referrers.copied} referrer(s) of ${copy.sourceRepo}:${ref}`, { skipped: referrers.skipped });
      return { ...result, referrers, durationMs: result.durationMs + Date.now() - started };
    } catch (e) {
      const error = deps.redactor.redact(errorMessage(e));
      deps.logger.error(error, { image: `${copy.sourceRepo}:${refText(copy)}` });
      return { ...result, action: 'failed', error, durationMs: result.durationMs + Date.now() - started };
    }
  };
}

function refText(copy: PlannedCopy): string {
  return copy.ref.tag ?? copy.ref.digest ?? 'latest';
}
