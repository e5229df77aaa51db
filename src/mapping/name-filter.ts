/**
 * A mapping's `allow:` and `deny:` lists (not in dregsy; regsync's `repos` and `tags`
 * allow/deny): regexes over source repository paths and over tags, on top of what `from` and
 * `tags` select. A name passes when the allow list is empty or one of its expressions matches,
 * and none of the deny list matches: deny wins. Expressions are anchored as dregsy anchors
 * `from: regex:` (`^` and `$` added unless written), so `team/.*` means the whole path.
 *
 * Unlike `keep:`, they apply to verbatim tags too: a denied tag is never copied, however it
 * was selected. A digest-only reference has no tag, and only the repository lists apply to it.
 */
import { compileGoRegex, GoRegexError, type GoRegex } from '../regex/go-regex.js';
import type { ImageRef } from '../relay/relay.js';

export interface NameLists {
  repos?: readonly string[] | null | undefined;
  tags?: readonly string[] | null | undefined;
}

export interface NameFilter {
  /** False when the mapping has no allow or deny list at all (nothing to filter). */
  readonly active: boolean;
  repo(path: string): boolean;
  tag(tag: string): boolean;
}

export type NameListProblem = { list: 'allow' | 'deny'; field: 'repos' | 'tags'; index: number; message: string };
export type NameFilterResult = { ok: true; filter: NameFilter } | { ok: false; problems: NameListProblem[] };

interface Compiled {
  allow: GoRegex[];
  deny: GoRegex[];
}

function passes(c: Compiled, name: string): boolean {
  if (c.allow.length > 0 && !c.allow.some((re) => re.test(name))) return false;
  return !c.deny.some((re) => re.test(name));
}

/** Parses both lists; reports every bad expression with its place. */
export function parseNameFilter(allow: NameLists | null | undefined, deny: NameLists | null | undefined): NameFilterResult {
  const problems: NameListProblem[] = [];
  const compile = (list: 'allow' | 'deny', field: 'repos' | 'tags', exprs: readonly string[] | null | undefined): GoRegex[] =>
    (exprs ?? []).flatMap((expr, index) => {
      try {
        return [compileGoRegex(expr, true)];
      } catch (e) {
        if (!(e instanceof GoRegexError)) throw e;
        problems.push({ list, field, index, message: `'${list}.${field}' uses invalid regular expression '${expr}': ${e.message}` });
        return [];
      }
    });
  const repos: Compiled = { allow: compile('allow', 'repos', allow?.repos), deny: compile('deny', 'repos', deny?.repos) };
  const tags: Compiled = { allow: compile('allow', 'tags', allow?.tags), deny: compile('deny', 'tags', deny?.tags) };
  if (problems.length > 0) return { ok: false, problems };
  const active = [repos.allow, repos.deny, tags.allow, tags.deny].some((l) => l.length > 0);
  return { ok: true, filter: { active, repo: (path) => passes(repos, path.replace(/^\/+/, '')), tag: (tag) => passes(tags, tag) } };
}

/** The filter of a mapping without lists: everything passes. */
export const PASS_ALL: NameFilter = { active: false, repo: () => true, tag: () => true };

/** The references whose tag the filter admits (digest-only references have no tag to judge). */
export function admittedRefs(filter: NameFilter, refs: readonly ImageRef[]): ImageRef[] {
  if (!filter.active) return [...refs];
  return refs.filter((ref) => ref.tag === undefined || filter.tag(ref.tag));
}
