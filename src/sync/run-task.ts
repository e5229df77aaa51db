/**
 * One run of one task: read what the source has, plan the copies, apply them through the
 * relay. A failing image (or mapping) is logged and the run goes on; the result says
 * whether anything failed.
 */
import type { LimitFunction } from 'p-limit';
import { resolveEndpoint } from '../auth/endpoint.js';
import type { Mapping, Task } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { Redactor } from '../log/redact.js';
import { isRepoSelection, mapPaths, parsePathMapping } from '../mapping/path-mapping.js';
import { parsePlatform } from '../plan/platform.js';
import { describeRef, planCopies, type PlannedCopy, type RepoPair } from '../plan/plan.js';
import type { RegistryClient, RegistryEndpoint } from '../registry/types.js';
import type { ImageRef, Relay } from '../relay/relay.js';
import type { RunSignals, TaskOutcome } from '../schedule/daemon.js';
import { expandTagSet, needsTagList, parseTagSet } from '../tags/tag-set.js';

export interface TaskRunDeps {
  registry: RegistryClient;
  relay: Relay;
  logger: Logger;
  redactor: Redactor;
  certsDir: string;
  /** Lists the source's repositories for `from: regex:` mappings. */
  listRepositories: (task: Task, endpoint: RegistryEndpoint, signal: AbortSignal) => Promise<string[]>;
  /** Bounds concurrent copies across all tasks. */
  limitCopy: LimitFunction;
}

export interface TaskRunResult extends TaskOutcome {
  task: string;
  copied: number;
  failed: number;
  /** Copies not started because of shutdown. */
  notStarted: number;
  durationMs: number;
}

export async function runTask(task: Task, deps: TaskRunDeps, signals: RunSignals): Promise<TaskRunResult> {
  const log = deps.logger.child({ task: task.name });
  const started = Date.now();
  const result: TaskRunResult = { task: task.name, ok: true, copied: 0, failed: 0, notStarted: 0, durationMs: 0 };
  log.info('task run started');
  let source: RegistryEndpoint;
  let target: RegistryEndpoint;
  try {
    source = await resolveEndpoint(task.source, { certsDir: deps.certsDir, redactor: deps.redactor });
    target = await resolveEndpoint(task.target, { certsDir: deps.certsDir, redactor: deps.redactor });
  } catch (e) {
    log.error(`cannot set up registries: ${message(e, deps.redactor)}`);
    return finish({ ...result, ok: false }, started, log);
  }
  for (const [index, mapping] of (task.mappings ?? []).entries()) {
    if (signals.stop.aborted) break;
    try {
      const copies = await planMapping(task, mapping, source, deps, signals.kill);
      log.debug(`mapping ${index}: ${copies.length} image(s) to copy`, { from: mapping.from });
      await applyCopies(copies, mapping, task, source, target, deps, signals, log, result);
    } catch (e) {
      result.ok = false;
      result.failed++;
      log.error(`mapping '${mapping.from}' failed: ${message(e, deps.redactor)}`);
    }
  }
  if (signals.stop.aborted) result.ok = result.ok && result.notStarted === 0;
  return finish(result, started, log);
}

function finish(result: TaskRunResult, started: number, log: Logger): TaskRunResult {
  result.durationMs = Date.now() - started;
  const summary = { copied: result.copied, failed: result.failed, notStarted: result.notStarted, ms: result.durationMs };
  if (result.ok) log.info('task run finished', summary);
  else log.error('task run finished with errors', summary);
  return result;
}

async function planMapping(
  task: Task,
  mapping: Mapping,
  source: RegistryEndpoint,
  deps: TaskRunDeps,
  signal: AbortSignal,
): Promise<PlannedCopy[]> {
  // Both parse cleanly: the config loader rejected anything else.
  const paths = parsePathMapping(mapping.from, mapping.to);
  const tags = parseTagSet(mapping.tags);
  if (!paths.ok) throw new Error(paths.problems.map((p) => p.message).join('; '));
  if (!tags.ok) throw new Error(tags.problems.map((p) => p.message).join('; '));
  const pairs: RepoPair[] = isRepoSelection(paths.mapping)
    ? mapPaths(paths.mapping, await deps.listRepositories(task, source, signal))
    : mapPaths(paths.mapping);
  const refsBySource = new Map<string, readonly ImageRef[]>();
  for (const pair of pairs) {
    if (refsBySource.has(pair.source)) continue;
    const listed = needsTagList(tags.set) ? await deps.registry.listTags(source, pair.source, signal) : undefined;
    refsBySource.set(pair.source, expandTagSet(tags.set, listed));
  }
  return planCopies(pairs, (pair) => refsBySource.get(pair.source) ?? []);
}

async function applyCopies(
  copies: readonly PlannedCopy[],
  mapping: Mapping,
  task: Task,
  source: RegistryEndpoint,
  target: RegistryEndpoint,
  deps: TaskRunDeps,
  signals: RunSignals,
  log: Logger,
  result: TaskRunResult,
): Promise<void> {
  const platform = parsePlatform(mapping.platform);
  if ('error' in platform) throw new Error(platform.error);
  await Promise.all(
    copies.map((c) =>
      deps.limitCopy(async () => {
        if (signals.stop.aborted) {
          result.notStarted++;
          return;
        }
        const from = describeRef(c.sourceRepo, c.ref);
        const to = describeRef(c.targetRepo, c.ref.tag ? { tag: c.ref.tag } : c.ref);
        try {
          await deps.relay.copy(
            {
              source: { endpoint: source, repo: c.sourceRepo, ref: c.ref },
              target: { endpoint: target, repo: c.targetRepo, ref: c.ref },
              platform,
              verbose: task.verbose === true,
            },
            { signal: signals.kill, logger: log },
          );
          result.copied++;
          log.info(`copied ${from} → ${to}`);
        } catch (e) {
          result.ok = false;
          result.failed++;
          log.error(`${message(e, deps.redactor)}`, { image: from });
        }
      }),
    ),
  );
}

function message(e: unknown, redactor: Redactor): string {
  return redactor.redact(e instanceof Error ? e.message : String(e));
}
