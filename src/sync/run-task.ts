/**
 * One run of one task: select the images (repository and tag lists, or a script's output),
 * check each against every target by digest, and copy only what is missing or different
 * through the relay (or, in check mode, only say what would be copied). A failing image,
 * mapping or target is recorded and the run goes on; the result lists every image of every
 * target and whether anything failed (per target too, for a task with `targets`).
 */
import type { LimitFunction } from 'p-limit';
import type { CredentialSources } from '../auth/credential-sources.js';
import { resolveEndpoint } from '../auth/endpoint.js';
import type { Location } from '../config/schema.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Redactor } from '../log/redact.js';
import { runScriptLister } from '../mapping/script-lister.js';
import type { ScriptListing } from '../mapping/script-output.js';
import type { ResolvedMapping, ResolvedTask } from '../model/task.js';
import type { PlatformSpec } from '../plan/digests.js';
import type { PlannedCopy } from '../plan/plan.js';
import type { PushedImage } from '../plan/push-match.js';
import type { DockerHubClient } from '../registry/docker-hub.js';
import { sameRegistry } from '../registry/hosts.js';
import type { RegistryEndpoint } from '../registry/types.js';
import type { Relay } from '../relay/relay.js';
import type { RunSignals } from '../schedule/run-signals.js';
import { owns, ownershipFilter, type Shard } from '../shard/shard.js';
import { referrerStep } from './copy-extras.js';
import { createCopyQueue } from './copy-queue.js';
import { countResult, countResults, emptyCounts, type ImageResult, type RunCounts } from './image-result.js';
import { processImage, type ImageJob, type RunContext } from './process-image.js';
import { createRepoDigests, wantedTags } from './repo-digests.js';
import type { ReferrerRegistry } from './referrers.js';
import { resultsOk, setUpTargets, summarizeTargets, type TargetRun, type TargetRunSummary } from './run-targets.js';
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
  /** Lists the source's repositories for `from: regex:` mappings; `whole` for `from: '*'` (no `maxItems`). */
  listRepositories: (task: ResolvedTask, endpoint: RegistryEndpoint, signal: AbortSignal, whole?: boolean) => Promise<string[]>;
  /** Where a `script` lister runs: the config file's folder (relative paths) and dregsy's environment less its secrets. */
  script?: { baseDir: string; baseEnv: Record<string, string> } | undefined;
  /** Bounds concurrent copies across all tasks. */
  limitCopy: LimitFunction;
  /** Bounds concurrent digest checks across all tasks. */
  limitCheck: LimitFunction;
  mode: RunMode;
  /** `--force`: copy without comparing digests. */
  force: boolean;
  /** The platform skopeo picks when a mapping names none. */
  hostPlatform: PlatformSpec;
  /** What an unchanged image has in common with its copy (see CheckInput.compare); read once relayReady settled. */
  compare: 'manifest' | 'config';
  /** Settles when the relay has started (it starts beside the listing); rejected: the run ends there, the service reports why. */
  relayReady?: Promise<void> | undefined;
  /** Told whenever the counts change (for live progress). */
  onProgress?: (task: string, counts: RunCounts) => void;
  /**
   * Makes sure a target repository can be pushed to (ECR: create it when missing), once per
   * repository and run, before its first copy; undefined where nothing is needed.
   */
  ensureTargetRepo?: (task: ResolvedTask, location: Location, target: RegistryEndpoint, repo: string, signal: AbortSignal) => Promise<void>;
  /** Where credentials beyond `auth` come from (ECR, Google, docker config, auth-file). */
  credentialSources?: CredentialSources;
  /** Docker Hub's web API, for tag digests in pages (repo-digests.ts); undefined: a HEAD per tag. */
  dockerHub?: Pick<DockerHubClient, 'tagDigests'> | undefined;
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
  /** Over all targets: an image copied to three targets counts three times. */
  counts: RunCounts;
  /** One entry per image and target. */
  images: ImageResult[];
  /** Tasks with `targets` only: each target's share, in the config's order. */
  targets?: TargetRunSummary[];
}

export async function runTask(task: ResolvedTask, scope: RunScope, deps: TaskRunDeps, signals: RunSignals): Promise<TaskRunResult> {
  const log = deps.logger.child({ task: task.name });
  const started = Date.now();
  const images: ImageResult[] = [];
  let selected = 0;
  let checked = 0;
  const live = emptyCounts();
  const progress = () => deps.onProgress?.(task.name, { ...live, checked, selected });
  // Sharded: only this replica's target repositories are listed, checked and copied (src/shard/).
  const sharding = scope.kind === 'full' && scope.shard ? ownershipFilter(scope.shard) : undefined;
  let targets: TargetRun[] = [];
  const failedTargets: { registry: string; results: ImageResult[] }[] = [];
  const finish = () => {
    const stopped = signals.stop.aborted;
    const perTarget = [...targets.map((t) => ({ registry: t.endpoint.registry, index: t.index, results: t.results, checked: t.checked, selected: t.selected })), ...failedTargets.map((f, i) => ({ ...f, index: -1 - i, checked: 0, selected: 0 }))];
    const summaries = task.targets.length > 1 ? summarizeTargets(perTarget.sort((a, b) => a.index - b.index), stopped) : undefined;
    return finishRun(task, scope, started, images, { checked, selected, otherShards: sharding?.others.size, targets: summaries }, log, resultsOk(images, stopped));
  };
  if (scope.kind === 'full') log.info('task run started');
  else log.info('task run started', { pushed: scope.images.length });

  const endpointContext = { certsDir: deps.certsDir, redactor: deps.redactor, sources: deps.credentialSources, signal: signals.kill };
  let source: RegistryEndpoint;
  try {
    source = await resolveEndpoint(task.source, endpointContext);
  } catch (e) {
    log.error(`cannot set up registries: ${message(e, deps.redactor)}`);
    images.push(setupFailure(task, task.source.registry, message(e, deps.redactor)));
    return finish();
  }
  const relay = deps.mode === 'sync' ? deps.relay : undefined;
  // Each target's copies wait for a slot in its own queue, which batches what the relay can carry together.
  const copies = relay && ((ensure: (repo: string) => Promise<void>) => createCopyQueue({ relay, limitCopy: deps.limitCopy, ctx: { signal: signals.kill, logger: log }, stopped: () => signals.stop.aborted, beforeCopy: ensure }));
  const setUp = await setUpTargets(task, { registry: deps.registry, endpointContext, ensureTargetRepo: deps.ensureTargetRepo, signal: signals.kill, message: (e) => message(e, deps.redactor), copies });
  targets = setUp.live;
  for (const b of setUp.broken) {
    // One target without credentials fails alone: the others still get every image.
    log.error(`cannot set up target registry '${b.location.registry}': ${b.error}`);
    const failure = setupFailure(task, b.location.registry, b.error);
    images.push(failure);
    failedTargets.push({ registry: b.location.registry, results: [failure] });
  }
  if (targets.length === 0) return finish();

  // Read once every job is known (checks start after selection): how many tags each repository's listing serves.
  let wanted: Map<Location, Map<string, number>> | undefined;
  const countWanted = (location: Location, repo: string) => {
    wanted ??= wantedTags(jobs, task.source, targets);
    return wanted.get(location)?.get(repo) ?? 0;
  };
  const digests = createRepoDigests({ sources: deps.credentialSources, hub: deps.dockerHub, wanted: countWanted, signal: signals.kill, log });
  const run: RunContext = { task, source, targets, deps, signals, log, onChecked: () => void checked++, digests };
  const jobs: ImageJob[] = [];
  const script = scriptListing(task, source, deps, signals, log);
  const selectDeps: SelectDeps = { ...deps, scriptListing: script?.get, tagLists: new Map(), limit: deps.limitCheck, owned: sharding?.owned };
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
      for (const t of targets) record(t, { task: task.name, source: `${source.registry}/${mapping.from}`, target: `${t.endpoint.registry}/${mapping.to ?? mapping.from}`, platform: mapping.platformText ?? 'default', action: 'failed', durationMs: 0, error });
    }
  }
  // The script's bad lines, once per run (each with its line number), whatever mappings read its list.
  for (const problem of (await script?.settled()) ?? []) {
    log.error(`script lister '${task.script?.cmd}' line ${problem.line}: ${problem.message}`);
    for (const t of targets) record(t, { task: task.name, source: `script:${task.script?.cmd} line ${problem.line}`, target: t.endpoint.registry, platform: 'default', action: 'failed', durationMs: 0, error: `line ${problem.line}: ${problem.message}` });
  }
  for (const t of targets) t.selected = jobs.length;
  selected = jobs.length * targets.length;
  progress();
  // The relay may still be starting: images are compared and copied once it has.
  if (deps.relayReady && !(await deps.relayReady.then(() => true, () => false))) return finish();

  // One referrer step per target: each copies what refers to an image into its own registry.
  const now = deps.now ?? (() => new Date());
  const sourceTags = (repo: string) => tagList(repo, source, selectDeps, signals.kill);
  const withReferrers = new Map(targets.map((t) => [t, referrerStep({ ...deps, now, sourceTags, targetTags: (repo) => t.tags(repo), logger: log, verbose: task.verbose, signal: signals.kill })]));
  await Promise.all(
    jobs.map(async (job) => {
      // Each target's result, once its referrers are copied too (copy-extras.ts), as it comes.
      const done: Promise<void>[] = [];
      await processImage(job, (t, result) => {
        done.push(
          withReferrers.get(t)!(job.mapping, job.copy, source, t.endpoint, result).then((r) => {
            record(t, r);
            progress();
          }),
        );
      });
      await Promise.all(done);
    }),
  );
  return finish();

  function record(t: TargetRun, result: ImageResult): void {
    t.results.push(result);
    images.push(result);
    countResult(live, result);
  }
}

/** The failure of a location that could not be set up (credentials), as a result of its own. */
function setupFailure(task: ResolvedTask, registry: string, error: string): ImageResult {
  return { task: task.name, source: task.source.registry, target: registry, platform: 'default', action: 'failed', durationMs: 0, error: `cannot set up registry: ${error}` };
}

/** The task's script lister, run once per run on first use; undefined without one. */
function scriptListing(task: ResolvedTask, source: RegistryEndpoint, deps: TaskRunDeps, signals: RunSignals, log: Logger) {
  const spec = task.script;
  if (!spec) return undefined;
  let listing: Promise<ScriptListing> | undefined;
  const where = deps.script ?? { baseDir: process.cwd(), baseEnv: {} };
  return {
    get: (): Promise<ScriptListing> => {
      listing ??= runScriptLister(spec, {
        ...where,
        task: task.name,
        logger: log,
        redactor: deps.redactor,
        signal: signals.kill,
        isSource: (host) => sameRegistry(host, task.source.registry) || sameRegistry(host, source.registry),
      });
      return listing;
    },
    /** The bad lines, when the script ran and gave a list (its failure is each mapping's). */
    settled: async () => (listing ? listing.then((l) => l.problems, () => []) : []),
  };
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

interface Tally {
  checked: number;
  selected: number;
  /** Sharded full runs: target repositories left to the other replicas. */
  otherShards: number | undefined;
  /** Tasks with `targets`: each target's share. */
  targets: TargetRunSummary[] | undefined;
}

function finishRun(task: ResolvedTask, scope: RunScope, started: number, images: ImageResult[], tally: Tally, log: Logger, ok: boolean): TaskRunResult {
  const durationMs = Date.now() - started;
  const { checked, selected, otherShards } = tally;
  const counts = { ...countResults(images, checked, selected), ...(otherShards !== undefined && { otherShards }) };
  for (const t of tally.targets ?? []) {
    if (t.ok) log.info(`target ${t.registry} finished`, { ...t.counts });
    else log.error(`target ${t.registry} finished with errors`, { ...t.counts });
  }
  const summary = { ...counts, ms: durationMs };
  if (ok) log.info('task run finished', summary);
  else log.error('task run finished with errors', summary);
  return { task: task.name, ok, scope: scope.kind, startedAt: new Date(started).toISOString(), durationMs, counts, images, ...(tally.targets && { targets: tally.targets }) };
}

function message(e: unknown, redactor: Redactor): string {
  return redactor.redact(errorMessage(e));
}
