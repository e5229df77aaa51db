/**
 * One selected image of a task run, for each of the task's targets: the source side is read
 * once (check-image.ts `sourceRead`), each target is compared on its own and gets its own
 * result; the targets that need the image get it through the relay, in one fan-out copy that
 * reads the source once where the relay offers one (native), else one copy per target. Before
 * a target's copy, the backup its mapping asks for is made at that target (copy-extras.ts); a
 * backup that cannot be made fails that target's image, which is then not overwritten.
 */
import { errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Redactor } from '../log/redact.js';
import type { ResolvedMapping, ResolvedTask } from '../model/task.js';
import { describeRef, type PlannedCopy } from '../plan/plan.js';
import { formatPlatform } from '../plan/platform.js';
import type { RegistryEndpoint } from '../registry/types.js';
import type { ImageLocation } from '../relay/relay.js';
import type { RunSignals } from '../schedule/run-signals.js';
import { checkImage, sourceRead } from './check-image.js';
import { backupFirst } from './copy-extras.js';
import type { ImageResult } from './image-result.js';
import type { RepoDigests } from './repo-digests.js';
import type { TargetRun } from './run-targets.js';
import type { TaskRunDeps } from './run-task.js';

/** What every image of one run shares. */
export interface RunContext {
  task: ResolvedTask;
  source: RegistryEndpoint;
  targets: TargetRun[];
  deps: TaskRunDeps;
  signals: RunSignals;
  log: Logger;
  onChecked: () => void;
  /** Whole-repository digests where a registry offers them (ECR, Docker Hub); else HEADs per tag. */
  digests: RepoDigests;
}

/** One selected image: the unit processImage decides and copies. */
export interface ImageJob {
  copy: PlannedCopy;
  mapping: ResolvedMapping;
  run: RunContext;
}

type Facts = Pick<ImageResult, 'reason' | 'sourceDigest' | 'targetDigest' | 'expectedDigest'>;
/** One target's verdict before copying: done (a result), or to copy with what is known. */
type Verdict = { target: TargetRun; done: ImageResult } | { target: TargetRun; copy: Facts };
type Finish = (target: TargetRun, r: Omit<ImageResult, 'task' | 'source' | 'target' | 'platform' | 'durationMs'>) => ImageResult;

/** Resolves once every target has its result (also pushed to `target.results`). */
export async function processImage(job: ImageJob, onResult: (target: TargetRun, result: ImageResult) => void): Promise<void> {
  const { copy, mapping, run } = job;
  const { task, source, deps, signals } = run;
  const started = Date.now();
  const from = describeRef(copy.sourceRepo, copy.ref);
  const to = describeRef(copy.targetRepo, copy.ref.tag ? { tag: copy.ref.tag } : copy.ref);
  const finish: Finish = (target, r) => {
    const result: ImageResult = { task: task.name, source: `${source.registry}/${from}`, target: `${target.endpoint.registry}/${to}`, platform: formatPlatform(mapping.platform), ...r, durationMs: Date.now() - started };
    onResult(target, result);
    return result;
  };
  if (signals.stop.aborted) {
    for (const t of run.targets) finish(t, { action: 'not-started' });
    return;
  }
  const sourceDigests = run.digests.of(task.source, source, copy.sourceRepo);
  const read = sourceRead(deps.registry, { copy, source, platform: mapping.platform, host: deps.hostPlatform, compare: deps.compare, sourceDigests }, signals.kill);
  const verdicts = await Promise.all(run.targets.map((target) => decideTarget(job, target, read, finish, from)));
  const pending = verdicts.filter((v): v is Extract<Verdict, { copy: Facts }> => 'copy' in v);
  if (pending.length === 0) return;
  if (deps.mode === 'check' || !deps.relay) {
    for (const p of pending) finish(p.target, { action: 'would-copy', ...p.copy });
    return;
  }
  await copyTo(job, pending, finish, from, to);
}

async function decideTarget(job: ImageJob, target: TargetRun, read: ReturnType<typeof sourceRead>, finish: Finish, from: string): Promise<Verdict> {
  const { copy, mapping, run } = job;
  const { deps, signals, log } = run;
  if (deps.force || mapping.force) return { target, copy: { reason: 'forced' } };
  const tags = target.tags(copy.targetRepo);
  await tags;
  const outcome = await deps.limitCheck(() =>
    checkImage(
      deps.registry,
      { copy, source: run.source, target: target.endpoint, platform: mapping.platform, host: deps.hostPlatform, targetTags: tags, wantSourceDigest: deps.mode === 'check', compare: deps.compare, sourceRead: read, targetDigests: run.digests.of(target.location, target.endpoint, copy.targetRepo) },
      signals.kill,
    ),
  );
  target.checked++;
  run.onChecked();
  const where = run.targets.length > 1 ? ` (target ${target.endpoint.registry})` : '';
  if (outcome.kind === 'source-missing') {
    log.error(`${from}: not found at the source (manifest unknown)`, { image: from });
    return { target, done: finish(target, { action: 'missing-source', error: 'not found at the source' }) };
  }
  if (outcome.kind === 'check-failed') {
    const error = message(outcome.error, deps.redactor);
    if (deps.mode === 'check') {
      log.error(`${from}: cannot compare digests${where}: ${error}`, { image: from });
      return { target, done: finish(target, { action: 'failed', error }) };
    }
    // Comparing is an optimisation: when it fails, copying as dregsy does is still right.
    log.warn(`${from}: cannot compare digests${where} (${error}); copying`, { image: from });
    return { target, copy: { reason: 'unknown' } };
  }
  const facts = { sourceDigest: outcome.sourceDigest, targetDigest: outcome.targetDigest };
  if (outcome.decision.action === 'skip') {
    if (log.isLevelEnabled('debug')) log.debug(`unchanged ${from} → ${target.endpoint.registry}/${copy.targetRepo} (${outcome.decision.digest})`);
    return { target, done: finish(target, { action: 'skipped', ...facts, expectedDigest: outcome.decision.digest }) };
  }
  return { target, copy: { reason: outcome.decision.reason, ...facts, expectedDigest: outcome.decision.expectedDigest } };
}

/** The copies of one image: one fan-out when the relay has it and several targets need the image. */
async function copyTo(job: ImageJob, pending: Extract<Verdict, { copy: Facts }>[], finish: Finish, from: string, to: string): Promise<void> {
  const { copy, mapping, run } = job;
  const { deps, signals, log, task } = run;
  const relay = deps.relay!;
  const sourceLoc: ImageLocation = { endpoint: run.source, repo: copy.sourceRepo, ref: copy.ref };
  const targetLoc = (t: TargetRun): ImageLocation => ({ endpoint: t.endpoint, repo: copy.targetRepo, ref: copy.ref });
  const ctx = { signal: signals.kill, logger: log };
  const extras = { registry: deps.registry, now: deps.now ?? (() => new Date()) };
  // The target repository ready for the copy: created where needed (ECR), then the backup made.
  const prepare = async (p: (typeof pending)[number]): Promise<string | undefined> => {
    await p.target.ensure(copy.targetRepo);
    const backup = await backupFirst(extras, mapping, copy, { source: run.source, target: p.target.endpoint }, { reason: p.copy.reason, expectedDigest: p.copy.expectedDigest }, signals.kill);
    if (backup) log.info(`kept ${where(p)}${to}'s previous image as ${copy.targetRepo}:${backup}`);
    return backup;
  };
  const where = (p: (typeof pending)[number]) => (run.targets.length > 1 ? `${p.target.endpoint.registry}/` : '');
  const report = (p: (typeof pending)[number], error: unknown, backup?: string) => {
    const { reason, expectedDigest } = p.copy;
    if (error === undefined) {
      log.info(`copied ${from} → ${where(p)}${to}`, reason === 'forced' || reason === 'unknown' ? { reason } : { reason, digest: expectedDigest });
      return finish(p.target, { action: 'copied', ...p.copy, ...(backup && { backup }) });
    }
    const text = message(error, deps.redactor);
    log.error(text, { image: from });
    return finish(p.target, { action: 'failed', ...p.copy, error: text });
  };
  const copyToMany = relay.copyToMany?.bind(relay);
  if (copyToMany && pending.length > 1) {
    await deps.limitCopy(async () => {
      if (signals.stop.aborted) return pending.forEach((p) => finish(p.target, { action: 'not-started', ...p.copy }));
      // A target whose repository cannot be prepared (or backed up) fails alone; the others are copied together.
      const ready = await Promise.all(pending.map((p) => prepare(p).then((backup) => ({ p, backup }), (error: unknown) => ({ p, error }))));
      for (const r of ready) if ('error' in r) report(r.p, r.error);
      const go = ready.filter((r): r is { p: (typeof pending)[number]; backup: string | undefined } => !('error' in r));
      if (go.length === 0) return;
      const outcomes = await copyToMany({ source: sourceLoc, targets: go.map((r) => targetLoc(r.p.target)), platform: mapping.platform, verbose: task.verbose }, ctx);
      go.forEach((r, i) => report(r.p, outcomes[i], r.backup));
    });
    return;
  }
  await Promise.all(
    pending.map(async (p) => {
      const queue = p.target.copies;
      if (signals.stop.aborted || !queue) return finish(p.target, { action: 'not-started', ...p.copy });
      try {
        // The backup is made before the image is queued: batched or alone, the target's
        // previous image is kept before anything can overwrite it.
        const backup = await deps.limitCheck(() => prepare(p));
        // A forced copy goes alone: skopeo sync skips an image the target already has.
        const done = await queue.copy({ source: sourceLoc, target: targetLoc(p.target), platform: mapping.platform, verbose: task.verbose }, { alone: p.copy.reason === 'forced' });
        if (done === 'not-started') return finish(p.target, { action: 'not-started', ...p.copy });
        return report(p, undefined, backup);
      } catch (e) {
        return report(p, e);
      }
    }),
  );
}

function message(e: unknown, redactor: Redactor): string {
  return redactor.redact(errorMessage(e));
}
