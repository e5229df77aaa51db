/**
 * One run of one task: select the images (repository and tag lists), check each against the
 * target by digest, and copy only what is missing or different through the relay (or, in check
 * mode, only say what would be copied). A failing image or mapping is recorded and the run goes
 * on; the result lists every image and whether anything failed.
 */
import type { LimitFunction } from 'p-limit';
import type { CredentialSources } from '../auth/credential-sources.js';
import { resolveEndpoint } from '../auth/endpoint.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Redactor } from '../log/redact.js';
import type { ResolvedMapping, ResolvedTask } from '../model/task.js';
import type { PlatformSpec } from '../plan/digests.js';
import { describeRef, type PlannedCopy } from '../plan/plan.js';
import { formatPlatform } from '../plan/platform.js';
import type { PushedImage } from '../plan/push-match.js';
import type { RegistryEndpoint } from '../registry/types.js';
import type { Relay } from '../relay/relay.js';
import type { RunSignals } from '../schedule/run-signals.js';
import { owns, ownershipFilter, type Shard } from '../shard/shard.js';
import { checkImage } from './check-image.js';
import { backupFirst, referrerStep } from './copy-extras.js';
import { countResult, countResults, emptyCounts, type ImageResult, type RunCounts } from './image-result.js';
import type { ReferrerRegistry } from './referrers.js';
import { selectImages, selectPushed, tagList, type SelectDeps } from './select-images.js';

export type RunMode = 'sync' | 'check';

/**
 * What one run covers: every image the task selects (sharded: only the target repositories
 * this replica owns), or only what push events named (whatever shard owns them). Push events
 * folded into a sharded full run are copied too, whatever shard owns them.
 */
export type RunScope =
  | { kind: 'full'; shard?: Shard | undefined; pushed?: readonly PushedImage[] | undefined }
  | { kind: 'pushed'; images: readonly PushedImage[] };

export interface TaskRunDeps {
  /** Reads for planning; manifest writes and the referrers API for `backup` and `referrers`. */
  registry: ReferrerRegistry;
  /** Not needed in check mode. */
  relay: Relay | undefined;
  logger: Logger;
  redactor: Redactor;
  certsDir: string;
  /** Lists the source's repositories for `from: regex:` mappings. */
  listRepositories: (task: ResolvedTask, endpoint: RegistryEndpoint, signal: AbortSignal) => Promise<string[]>;
  /** Bounds concurrent copies across all tasks. */
  limitCopy: LimitFunction;
  /** Bounds concurrent digest checks across all tasks. */
  limitCheck: LimitFunction;
  mode: RunMode;
  /** `--force`: copy without comparing digests. */
  force: boolean;
  /** The platform skopeo picks when a mapping names none. */
  hostPlatform: PlatformSpec;
  /** What an unchanged image has in common with its copy (see CheckInput.compare). */
  compare: 'manifest' | 'config';
  /** Told whenever the counts change (for live progress). */
  onProgress?: (task: string, counts: RunCounts) => void;
  /**
   * Makes sure a target repository can be pushed to (ECR: create it when missing), once per
   * repository and run, before its first copy; undefined where nothing is needed.
   */
  ensureTargetRepo?: (task: ResolvedTask, target: RegistryEndpoint, repo: string, signal: AbortSignal) => Promise<void>;
  /** Where credentials beyond `auth` come from (ECR, Google, docker config, auth-file). */
  credentialSources?: CredentialSources;
  /** The time backup names are made of; default: the system clock. */
  now?: () => Date;
}

export interface TaskRunResult {
  task: string;
  ok: boolean;
  /** `full`, or `pushed` when only images named by push events were looked at. */
  scope: RunScope['kind'];
  startedAt: string;
  durationMs: number;
  counts: RunCounts;
  images: ImageResult[];
}

/** What every image of one run shares. */
interface RunContext {
  task: ResolvedTask;
  source: RegistryEndpoint;
  target: RegistryEndpoint;
  deps: TaskRunDeps;
  signals: RunSignals;
  log: Logger;
  ensureTarget: (repo: string) => Promise<void>;
  targetTags: (repo: string) => Promise<ReadonlySet<string> | undefined>;
  onChecked: () => void;
}

/** One selected image: the unit processImage decides and copies. */
interface ImageJob {
  copy: PlannedCopy;
  mapping: ResolvedMapping;
  run: RunContext;
}

export async function runTask(task: ResolvedTask, scope: RunScope, deps: TaskRunDeps, signals: RunSignals): Promise<TaskRunResult> {
  const log = deps.logger.child({ task: task.name });
  const started = Date.now();
  const images: ImageResult[] = [];
  let selected = 0;
  let checked = 0;
  const live = emptyCounts();
  const record = (r: ImageResult) => {
    images.push(r);
    countResult(live, r);
  };
  const progress = () => deps.onProgress?.(task.name, { ...live, checked, selected });
  // Sharded: only this replica's target repositories are listed, checked and copied (src/shard/).
  const sharding = scope.kind === 'full' && scope.shard ? ownershipFilter(scope.shard) : undefined;
  const finish = (ok: boolean) => finishRun(task, scope, started, images, { checked, selected, otherShards: sharding?.others.size }, log, ok);
  if (scope.kind === 'full') log.info('task run started');
  else log.info('task run started', { pushed: scope.images.length });

  let source: RegistryEndpoint;
  let target: RegistryEndpoint;
  try {
    const endpointContext = { certsDir: deps.certsDir, redactor: deps.redactor, sources: deps.credentialSources, signal: signals.kill };
    source = await resolveEndpoint(task.source, endpointContext);
    target = await resolveEndpoint(task.target, endpointContext);
  } catch (e) {
    log.error(`cannot set up registries: ${message(e, deps.redactor)}`);
    return finish(false);
  }

  const tagLists = new Map<string, Promise<string[]>>();
  const targetRepos = new Map<string, Promise<void>>();
  const targetTagSets = new Map<string, Promise<ReadonlySet<string> | undefined>>();
  const targetTags = (repo: string): Promise<ReadonlySet<string> | undefined> => {
    let p = targetTagSets.get(repo);
    if (!p) {
      // Not under limitCheck: checks wait for this list, so it must never queue behind them.
      p = deps.registry.listTags(target, repo, signals.kill).then(
        (tags) => new Set(tags),
        // 404: the repository does not exist yet, so it has no tags; other errors: let HEADs decide
        (e: unknown) => ((e as { status?: number }).status === 404 ? new Set<string>() : undefined),
      );
      targetTagSets.set(repo, p);
    }
    return p;
  };
  const ensureTarget = (repo: string): Promise<void> => {
    const ensure = deps.ensureTargetRepo;
    if (!ensure) return Promise.resolve();
    let p = targetRepos.get(repo);
    if (!p) {
      p = ensure(task, target, repo, signals.kill);
      targetRepos.set(repo, p);
    }
    return p;
  };
  const run: RunContext = { task, source, target, deps, signals, log, ensureTarget, targetTags, onChecked: () => void checked++ };
  const jobs: ImageJob[] = [];
  const selectDeps = { ...deps, tagLists, limit: deps.limitCheck, owned: sharding?.owned };
  for (const mapping of task.mappings) {
    if (signals.stop.aborted) break;
    if (scope.kind === 'pushed' && !scope.images.some((i) => i.mapping === mapping.index)) continue;
    try {
      const copies = await selectFor(scope, task, mapping, source, selectDeps, signals.kill);
      log.debug(`mapping '${mapping.from}': ${copies.length} image(s) selected`);
      for (const copy of copies) jobs.push({ copy, mapping, run });
    } catch (e) {
      const error = message(e, deps.redactor);
      log.error(`mapping '${mapping.from}' failed: ${error}`);
      record({ task: task.name, source: `${source.registry}/${mapping.from}`, target: `${target.registry}/${mapping.to ?? mapping.from}`, platform: mapping.platformText ?? 'default', action: 'failed', durationMs: 0, error });
    }
  }
  selected = jobs.length;
  progress();

  const withReferrers = referrerStep({ ...deps, now: deps.now ?? (() => new Date()), sourceTags: (repo) => tagList(repo, source, selectDeps, signals.kill), targetTags, logger: log, verbose: task.verbose, signal: signals.kill });
  await Promise.all(
    jobs.map(async (job) => {
      record(await withReferrers(job.mapping, job.copy, source, target, await processImage(job)));
      progress();
    }),
  );
  const ok = images.every((r) => r.action === 'copied' || r.action === 'skipped' || r.action === 'would-copy') && !(signals.stop.aborted && images.some((r) => r.action === 'not-started'));
  return finish(ok);
}

/** One mapping's images for the run's scope. */
async function selectFor(scope: RunScope, task: ResolvedTask, mapping: ResolvedMapping, source: RegistryEndpoint, deps: SelectDeps, signal: AbortSignal): Promise<PlannedCopy[]> {
  if (scope.kind === 'pushed') return selectPushed(mapping, scope.images, source, deps, signal);
  const copies = await selectImages(task, mapping, source, deps, signal);
  const { shard, pushed } = scope;
  if (!shard || !pushed?.some((i) => i.mapping === mapping.index)) return copies;
  // The pushed images of this replica's repositories are among `copies`; those of the other
  // shards' are added, as push copies are any replica's to serve (the event reached only this one).
  const foreign = await selectPushed(mapping, pushed, source, { ...deps, owned: (repo) => !owns(shard, repo) }, signal);
  return [...copies, ...foreign];
}

async function processImage(job: ImageJob): Promise<ImageResult> {
  const { copy, mapping, run } = job;
  const { task, source, target, deps, signals, log } = run;
  const platform = mapping.platform;
  const started = Date.now();
  const from = describeRef(copy.sourceRepo, copy.ref);
  const to = describeRef(copy.targetRepo, copy.ref.tag ? { tag: copy.ref.tag } : copy.ref);
  const base = {
    task: task.name,
    source: `${source.registry}/${from}`,
    target: `${target.registry}/${to}`,
    platform: formatPlatform(platform),
  };
  const done = (r: Omit<ImageResult, keyof typeof base | 'durationMs'>): ImageResult => ({ ...base, ...r, durationMs: Date.now() - started });
  if (signals.stop.aborted) return done({ action: 'not-started' });

  let reason: ImageResult['reason'] = 'forced';
  let sourceDigest: string | undefined;
  let targetDigest: string | undefined;
  let expectedDigest: string | undefined;
  if (!deps.force && !mapping.force) {
    const tags = run.targetTags(copy.targetRepo);
    await tags;
    const outcome = await deps.limitCheck(() =>
      checkImage(
        deps.registry,
        { copy, source, target, platform, host: deps.hostPlatform, targetTags: tags, wantSourceDigest: deps.mode === 'check', compare: deps.compare },
        signals.kill,
      ),
    );
    run.onChecked();
    if (outcome.kind === 'source-missing') {
      log.error(`${from}: not found at the source (manifest unknown)`, { image: from });
      return done({ action: 'missing-source', error: 'not found at the source' });
    }
    if (outcome.kind === 'check-failed') {
      const error = message(outcome.error, deps.redactor);
      if (deps.mode === 'check') {
        log.error(`${from}: cannot compare digests: ${error}`, { image: from });
        return done({ action: 'failed', error });
      }
      // Comparing is an optimisation: when it fails, copying as dregsy does is still right.
      log.warn(`${from}: cannot compare digests (${error}); copying`, { image: from });
      reason = 'unknown';
    } else {
      sourceDigest = outcome.sourceDigest;
      targetDigest = outcome.targetDigest;
      if (outcome.decision.action === 'skip') {
        log.debug(`unchanged ${from} → ${to} (${outcome.decision.digest})`);
        return done({ action: 'skipped', sourceDigest, targetDigest, expectedDigest: outcome.decision.digest });
      }
      reason = outcome.decision.reason;
      expectedDigest = outcome.decision.expectedDigest;
    }
  }
  const facts = { reason, sourceDigest, targetDigest, expectedDigest };
  if (deps.mode === 'check' || !deps.relay) return done({ action: 'would-copy', ...facts });

  const relay = deps.relay;
  return deps.limitCopy(async () => {
    if (signals.stop.aborted) return done({ action: 'not-started', ...facts });
    try {
      await run.ensureTarget(copy.targetRepo);
      const backup = await backupFirst({ registry: deps.registry, now: deps.now ?? (() => new Date()) }, mapping, copy, { source, target }, facts, signals.kill);
      if (backup) log.info(`kept ${to}'s previous image as ${copy.targetRepo}:${backup}`);
      await relay.copy(
        {
          source: { endpoint: source, repo: copy.sourceRepo, ref: copy.ref },
          target: { endpoint: target, repo: copy.targetRepo, ref: copy.ref },
          platform,
          verbose: task.verbose,
        },
        { signal: signals.kill, logger: log },
      );
      log.info(`copied ${from} → ${to}`, reason === 'forced' || reason === 'unknown' ? { reason } : { reason, digest: expectedDigest });
      return done({ action: 'copied', ...facts, ...(backup && { backup }) });
    } catch (e) {
      const error = message(e, deps.redactor);
      log.error(error, { image: from });
      return done({ action: 'failed', ...facts, error });
    }
  });
}

interface Tally {
  checked: number;
  selected: number;
  /** Sharded full runs: target repositories left to the other replicas. */
  otherShards: number | undefined;
}

function finishRun(task: ResolvedTask, scope: RunScope, started: number, images: ImageResult[], tally: Tally, log: Logger, ok: boolean): TaskRunResult {
  const durationMs = Date.now() - started;
  const { checked, selected, otherShards } = tally;
  const counts = { ...countResults(images, checked, selected), ...(otherShards !== undefined && { otherShards }) };
  const summary = { ...counts, ms: durationMs };
  if (ok) log.info('task run finished', summary);
  else log.error('task run finished with errors', summary);
  return { task: task.name, ok, scope: scope.kind, startedAt: new Date(started).toISOString(), durationMs, counts, images };
}

function message(e: unknown, redactor: Redactor): string {
  return redactor.redact(errorMessage(e));
}
