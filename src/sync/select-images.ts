/**
 * Which images one mapping selects: its source repositories (one path, the lister's names
 * matched by `from: regex:`, or all of them for `from: '*'`), each with its expanded tag set,
 * paired with their target paths, less what the mapping's `allow:`/`deny:` lists exclude.
 * With a `script` lister the names, and the tags of the lines that give tags, come from the
 * script's output instead of the registry (mapping/script-output.ts).
 * Tag lists are read once per run and repository, however many mappings name it.
 * Everything comes parsed from the resolved model: nothing here reads config text.
 */
import type { LimitFunction } from 'p-limit';
import { admittedRefs } from '../mapping/name-filter.js';
import { isRepoSelection, isWholeRegistry, mapPaths } from '../mapping/path-mapping.js';
import type { ScriptListing } from '../mapping/script-output.js';
import type { ResolvedMapping, ResolvedTask } from '../model/task.js';
import { planCopies, type PlannedCopy, type RepoPair } from '../plan/plan.js';
import type { PushedImage } from '../plan/push-match.js';
import type { RegistryClient, RegistryEndpoint } from '../registry/types.js';
import type { ImageRef } from '../relay/relay.js';
import { expandTagSet, needsTagList, refsForPushedTag } from '../tags/tag-set.js';

export interface SelectDeps {
  registry: RegistryClient;
  /** `whole`: to the list's end, whatever `lister.maxItems` says (`from: '*'`). */
  listRepositories: (task: ResolvedTask, endpoint: RegistryEndpoint, signal: AbortSignal, whole?: boolean) => Promise<string[]>;
  /** The task's script lister's output, once per run; undefined when the source has no script lister. */
  scriptListing?: (() => Promise<ScriptListing>) | undefined;
  /** Tag lists of this run, by `registry\0repo`. */
  tagLists: Map<string, Promise<string[]>>;
  /** Bounds concurrent registry reads. */
  limit: LimitFunction;
  /** Sharded: whether this selection covers a target repository; the others' tags are not even listed. */
  owned?: ((targetRepo: string) => boolean) | undefined;
}

export async function selectImages(task: ResolvedTask, mapping: ResolvedMapping, source: RegistryEndpoint, deps: SelectDeps, signal: AbortSignal): Promise<PlannedCopy[]> {
  const fromList = isRepoSelection(mapping.paths);
  const script = fromList && deps.scriptListing ? await deps.scriptListing() : undefined;
  const names = script ? script.repos : fromList ? await deps.listRepositories(task, source, signal, isWholeRegistry(mapping.paths)) : undefined;
  const mapped: RepoPair[] = names ? mapPaths(mapping.paths, names) : mapPaths(mapping.paths);
  const owned = deps.owned;
  const pairs = mapped.filter((p) => mapping.names.repo(p.source) && (!owned || owned(p.target)));
  const refs = new Map<string, readonly ImageRef[]>();
  await Promise.all(
    [...new Set(pairs.map((p) => p.source))].map(async (repo) => {
      const listed = script?.byRepo.get(repo);
      let selected: ImageRef[];
      if (listed && !listed.allTags) {
        // The script named this repository's images: its tags stand in for the registry's list.
        selected = [...expandTagSet(mapping.tags, listed.tags), ...listed.pinned];
      } else {
        const tags = needsTagList(mapping.tags) ? await tagList(repo, source, deps, signal) : undefined;
        selected = [...expandTagSet(mapping.tags, tags), ...(listed?.pinned ?? [])];
      }
      refs.set(repo, admittedRefs(mapping.names, selected));
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
  // With a script lister, a push counts only for what the script lists now (its output decides, as in a full run).
  const script = isRepoSelection(mapping.paths) && deps.scriptListing ? await deps.scriptListing() : undefined;
  const pairs = [...byRepo.keys()].flatMap((repo) => mapPaths(mapping.paths, [repo]).filter((p) => p.source === repo && owned(p.target) && (!script || script.byRepo.has(repo))));
  const refs = new Map<string, readonly ImageRef[]>();
  await Promise.all(
    pairs.map(async (pair) => {
      const listedByScript = script?.byRepo.get(pair.source);
      const pushed = [...(byRepo.get(pair.source) ?? [])].filter((tag) => !listedByScript || listedByScript.allTags || listedByScript.tags.includes(tag));
      const pool = listedByScript && !listedByScript.allTags ? listedByScript.tags : undefined;
      const listed = mapping.tags.keepLatest > 0 ? (pool ?? (await tagList(pair.source, source, deps, signal))) : undefined;
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
