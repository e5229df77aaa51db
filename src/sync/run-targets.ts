/**
 * The targets of one task run: `target`, or each of `targets` (not in dregsy). Each has its own
 * endpoint, tag lists, repository preparation (ECR) and results, so one target that is down or
 * refuses its credentials fails alone: the others still get every image, and the run's result
 * says which target failed (`TargetRunSummary`).
 */
import { resolveEndpoint, type EndpointContext } from '../auth/endpoint.js';
import type { Location } from '../config/schema.js';
import type { ResolvedTask } from '../model/task.js';
import type { RegistryClient, RegistryEndpoint } from '../registry/types.js';
import type { CopyQueue } from './copy-queue.js';
import { countResults, type ImageResult, type RunCounts } from './image-result.js';

/** One target of a run, set up. */
export interface TargetRun {
  /** Position in the task's targets. */
  index: number;
  location: Location;
  endpoint: RegistryEndpoint;
  /** The target repository's tags, read once per run; undefined when the listing failed. */
  tags(repo: string): Promise<ReadonlySet<string> | undefined>;
  /** Makes sure the repository can be pushed to (ECR: created), once per repository and run. */
  ensure(repo: string): Promise<void>;
  /** Where this target's copies wait for a slot (and batch, where the relay can); undefined in check mode. */
  copies: CopyQueue | undefined;
  /** This target's results, in the order they came. */
  results: ImageResult[];
  /** Digest checks made against this target. */
  checked: number;
  /** Images selected for this target. */
  selected: number;
}

/** A target whose endpoint could not be set up (credentials): it gets nothing this run. */
export interface BrokenTarget {
  index: number;
  location: Location;
  error: string;
}

/** A target's share of a run's result, in `TaskRunResult.targets` (only for tasks with `targets`). */
export interface TargetRunSummary {
  registry: string;
  ok: boolean;
  counts: RunCounts;
}

export interface TargetSetup {
  registry: RegistryClient;
  endpointContext: EndpointContext;
  ensureTargetRepo?: ((task: ResolvedTask, location: Location, target: RegistryEndpoint, repo: string, signal: AbortSignal) => Promise<void>) | undefined;
  signal: AbortSignal;
  /** Makes an error fit for the log (redacted). */
  message: (e: unknown) => string;
  /** A copy queue for one target, given how to prepare its repositories; undefined: no copies (check mode). */
  copies?: ((ensure: (repo: string) => Promise<void>) => CopyQueue) | undefined;
}

export async function setUpTargets(task: ResolvedTask, setup: TargetSetup): Promise<{ live: TargetRun[]; broken: BrokenTarget[] }> {
  const settled = await Promise.all(
    task.targets.map(async (location, index): Promise<{ index: number; location: Location; endpoint: RegistryEndpoint } | BrokenTarget> => {
      try {
        return { index, location, endpoint: await resolveEndpoint(location, setup.endpointContext) };
      } catch (e) {
        return { index, location, error: setup.message(e) };
      }
    }),
  );
  const live: TargetRun[] = [];
  const broken: BrokenTarget[] = [];
  for (const s of settled) {
    if ('error' in s) broken.push(s);
    else live.push(targetRun(task, s.index, s.location, s.endpoint, setup));
  }
  return { live, broken };
}

function targetRun(task: ResolvedTask, index: number, location: Location, endpoint: RegistryEndpoint, setup: TargetSetup): TargetRun {
  const tagSets = new Map<string, Promise<ReadonlySet<string> | undefined>>();
  const prepared = new Map<string, Promise<void>>();
  const run: TargetRun = {
    index,
    location,
    endpoint,
    copies: undefined,
    results: [],
    checked: 0,
    selected: 0,
    tags(repo) {
      let p = tagSets.get(repo);
      if (!p) {
        // Not under the check limit: checks wait for this list, so it must never queue behind them.
        p = setup.registry.listTags(endpoint, repo, setup.signal).then(
          (tags) => new Set(tags),
          // 404: the repository does not exist yet, so it has no tags; other errors: let HEADs decide
          (e: unknown) => ((e as { status?: number }).status === 404 ? new Set<string>() : undefined),
        );
        tagSets.set(repo, p);
      }
      return p;
    },
    ensure(repo) {
      const ensure = setup.ensureTargetRepo;
      if (!ensure) return Promise.resolve();
      let p = prepared.get(repo);
      if (!p) {
        p = ensure(task, location, endpoint, repo, setup.signal);
        prepared.set(repo, p);
      }
      return p;
    },
  };
  run.copies = setup.copies?.((repo) => run.ensure(repo));
  return run;
}

/** Whether a run's results are all well (a stop before an image started is a failure too). */
export function resultsOk(results: readonly ImageResult[], stopped: boolean): boolean {
  return results.every((r) => r.action === 'copied' || r.action === 'skipped' || r.action === 'would-copy') && !(stopped && results.some((r) => r.action === 'not-started'));
}

export function summarizeTargets(targets: readonly { registry: string; results: readonly ImageResult[]; checked: number; selected: number }[], stopped: boolean): TargetRunSummary[] {
  return targets.map((t) => ({ registry: t.registry, ok: resultsOk(t.results, stopped), counts: countResults(t.results, t.checked, t.selected) }));
}
