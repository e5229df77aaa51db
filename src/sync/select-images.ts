/**
 * Which images one mapping selects: its source repositories (one path, or the lister's names
 * matched by `from: regex:`), each with its expanded tag set, paired with their target paths.
 * Tag lists are read once per run and repository, however many mappings name it.
 */
import type { LimitFunction } from 'p-limit';
import type { Mapping, Task } from '../config/schema.js';
import { isRepoSelection, mapPaths, parsePathMapping } from '../mapping/path-mapping.js';
import { planCopies, type PlannedCopy, type RepoPair } from '../plan/plan.js';
import type { RegistryClient, RegistryEndpoint } from '../registry/types.js';
import type { ImageRef } from '../relay/relay.js';
import { expandTagSet, needsTagList, parseTagSet } from '../tags/tag-set.js';

export interface SelectDeps {
  registry: RegistryClient;
  listRepositories: (task: Task, endpoint: RegistryEndpoint, signal: AbortSignal) => Promise<string[]>;
  /** Tag lists of this run, by `registry\0repo`. */
  tagLists: Map<string, Promise<string[]>>;
  /** Bounds concurrent registry reads. */
  limit: LimitFunction;
}

export async function selectImages(task: Task, mapping: Mapping, source: RegistryEndpoint, deps: SelectDeps, signal: AbortSignal): Promise<PlannedCopy[]> {
  // Both parse: the config loader rejected anything else before the run.
  const paths = parsePathMapping(mapping.from, mapping.to);
  const tags = parseTagSet(mapping.tags);
  if (!paths.ok) throw new Error(paths.problems.map((p) => p.message).join('; '));
  if (!tags.ok) throw new Error(tags.problems.map((p) => p.message).join('; '));
  const pairs: RepoPair[] = isRepoSelection(paths.mapping)
    ? mapPaths(paths.mapping, await deps.listRepositories(task, source, signal))
    : mapPaths(paths.mapping);
  const refs = new Map<string, readonly ImageRef[]>();
  await Promise.all(
    [...new Set(pairs.map((p) => p.source))].map(async (repo) => {
      const listed = needsTagList(tags.set) ? await tagList(repo, source, deps, signal) : undefined;
      refs.set(repo, expandTagSet(tags.set, listed));
    }),
  );
  return planCopies(pairs, (pair) => refs.get(pair.source) ?? []);
}

function tagList(repo: string, source: RegistryEndpoint, deps: SelectDeps, signal: AbortSignal): Promise<string[]> {
  const key = `${source.registry}\0${repo}`;
  let list = deps.tagLists.get(key);
  if (!list) {
    list = deps.limit(() => deps.registry.listTags(source, repo, signal));
    deps.tagLists.set(key, list);
  }
  return list;
}
