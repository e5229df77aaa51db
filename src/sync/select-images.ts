/**
 * Which images one mapping selects: its source repositories (one path, or the lister's names
 * matched by `from: regex:`), each with its expanded tag set, paired with their target paths.
 * Tag lists are read once per run and repository, however many mappings name it.
 * Everything comes parsed from the resolved model: nothing here reads config text.
 */
import type { LimitFunction } from 'p-limit';
import { isRepoSelection, mapPaths } from '../mapping/path-mapping.js';
import type { ResolvedMapping, ResolvedTask } from '../model/task.js';
import { planCopies, type PlannedCopy, type RepoPair } from '../plan/plan.js';
import type { PushedImage } from '../plan/push-match.js';
import type { RegistryClient, RegistryEndpoint } from '../registry/types.js';
import type { ImageRef } from '../relay/relay.js';
import { expandTagSet, needsTagList, refsForPushedTag } from '../tags/tag-set.js';

export interface SelectDeps {
  registry: RegistryClient;
  listRepositories: (task: ResolvedTask, endpoint: RegistryEndpoint, signal: AbortSignal) => Promise<string[]>;
  /** Tag lists of this run, by `registry\0repo`. */
  tagLists: Map<string, Promise<string[]>>;
  /** Bounds concurrent registry reads. */
  limit: LimitFunction;
  /** Sharded: whether this selection covers a target repository; the others' tags are not even listed. */
  owned?: ((targetRepo: string) => boolean) | undefined;
}

export async function selectImages(task: ResolvedTask, mapping: ResolvedMapping, source: RegistryEndpoint, deps: SelectDeps, signal: AbortSignal): Promise<PlannedCopy[]> {
  const mapped: RepoPair[] = isRepoSelection(mapping.paths)
    ? mapPaths(mapping.paths, await deps.listRepositories(task, source, signal))
    : mapPaths(mapping.paths);
  const owned = deps.owned;
  const pairs = owned ? mapped.filter((p) => owned(p.target)) : mapped;
  const refs = new Map<string, readonly ImageRef[]>();
  await Promise.all(
    [...new Set(pairs.map((p) => p.source))].map(async (repo) => {
      const listed = needsTagList(mapping.tags) ? await tagList(repo, source, deps, signal) : undefined;
      refs.set(repo, expandTagSet(mapping.tags, listed));
    }),
  );
  return planCopies(pairs, (pair) => refs.get(pair.source) ?? []);
}

/**
 * What a push of `images` makes this mapping copy: the pushed tags its paths and tag filter
 * select, nothing else. Only `keep: latest N` needs the source's tag list to decide.
 */
export async function selectPushed(mapping: ResolvedMapping, images: readonly PushedImage[], source: RegistryEndpoint, deps: SelectDeps, signal: AbortSignal): Promise<PlannedCopy[]> {
  const byRepo = new Map<string, Set<string>>();
  for (const image of images) {
    if (image.mapping !== mapping.index) continue;
    const tags = byRepo.get(image.repo) ?? new Set<string>();
    tags.add(image.tag);
    byRepo.set(image.repo, tags);
  }
  const owned = deps.owned ?? (() => true);
  const pairs = [...byRepo.keys()].flatMap((repo) => mapPaths(mapping.paths, [repo]).filter((p) => p.source === repo && owned(p.target)));
  const refs = new Map<string, readonly ImageRef[]>();
  await Promise.all(
    pairs.map(async (pair) => {
      const pushed = [...(byRepo.get(pair.source) ?? [])];
      const listed = mapping.tags.keepLatest > 0 ? await tagList(pair.source, source, deps, signal) : undefined;
      refs.set(pair.source, pushed.flatMap((tag) => refsForPushedTag(mapping.tags, tag, listed)));
    }),
  );
  return planCopies(pairs, (pair) => refs.get(pair.source) ?? []);
}

/** The repository's tags, listed once per run (referrers read them too). */
export function tagList(repo: string, source: RegistryEndpoint, deps: SelectDeps, signal: AbortSignal): Promise<string[]> {
  const key = `${source.registry}\0${repo}`;
  let list = deps.tagLists.get(key);
  if (!list) {
    list = deps.limit(() => deps.registry.listTags(source, repo, signal));
    deps.tagLists.set(key, list);
  }
  return list;
}
