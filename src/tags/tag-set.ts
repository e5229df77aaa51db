/**
 * A mapping's `tags:` list (dregsy `tags.TagSet`): which of a repository's tags to copy.
 *
 * Items, each trimmed and classified in dregsy's order:
 *   `semver: <range>`  blang range over the tags that parse as versions (tolerantly)
 *   `regex: [!]<re>`   tags the anchored Go regex matches (`!`: does not match)
 *   `keep: latest N`   after everything else, keep only the N highest versions
 *   `keep: [!]<re>`    prune: a selected tag must match every keep: regex
 *   anything else      a verbatim tag, `tag@sha256:…` or `sha256:…` digest
 */
import { compileInvertible, GoRegexError, type InvertibleRegex } from '../regex/go-regex.js';
import { compareGoStrings, goQuote, goTrimSpace } from '../regex/go-text.js';
import type { ImageRef } from '../relay/relay.js';
import { parseRange } from './semver-range.js';
import { compareVersions, parseTolerant, type SemVersion, type SemverRange } from './semver.js';

export interface TagSet {
  readonly verbatim: readonly string[];
  /** ORed with each other and with `regex`. */
  readonly semver: readonly SemverRange[];
  readonly regex: readonly InvertibleRegex[];
  /** ANDed; they prune what semver/regex (or the full list) selected, never verbatim tags. */
  readonly keep: readonly InvertibleRegex[];
  /** `keep: latest N`, the last one given; 0 means no limit (dregsy ignores 0 too). */
  readonly keepLatest: number;
}

interface TagSetBuilder {
  verbatim: string[];
  semver: SemverRange[];
  regex: InvertibleRegex[];
  keep: InvertibleRegex[];
  keepLatest: number;
}

export type TagSetProblem = { index: number; message: string };
export type TagSetResult = { ok: true; set: TagSet } | { ok: false; problems: TagSetProblem[] };

const INVALID = "'tags' uses invalid format: ";
/**
 * dregsy's `keep:[[:space:]]+latest[[:space:]]+[[:digit:]]+`, anchored: the same language as a
 * JavaScript expression (Go's [[:space:]] is [\t\n\v\f\r ], its `$` without (?m) is the end
 * of the text), so no RE2 program is compiled when the module loads (milliseconds at start-up).
 */
export const KEEP_LATEST = /^keep:[\t\n\v\f\r ]+latest[\t\n\v\f\r ]+[0-9]+$/;
const INT64_MAX = (1n << 63n) - 1n;

/** Parses a `tags:` list; reports every bad item (dregsy stops at the first). */
export function parseTagSet(tags: readonly string[] | null | undefined): TagSetResult {
  const set: TagSetBuilder = { verbatim: [], semver: [], regex: [], keep: [], keepLatest: 0 };
  const problems: TagSetProblem[] = [];
  (tags ?? []).forEach((raw, index) => {
    const item = goTrimSpace(raw);
    const problem = addItem(set, item);
    if (problem !== undefined) problems.push({ index, message: INVALID + problem });
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, set };
}

/** Adds one trimmed item to `set`; returns dregsy's reason when it is invalid. */
function addItem(set: TagSetBuilder, item: string): string | undefined {
  if (item.startsWith('semver:')) {
    const range = parseRange(item.slice('semver:'.length));
    if (!range.ok) return range.error;
    set.semver.push(range.range);
  } else if (item.startsWith('regex:')) {
    const re = compileFilter(item.slice('regex:'.length));
    if (typeof re === 'string') return re;
    set.regex.push(re);
  } else if (KEEP_LATEST.test(item)) {
    // dregsy splits on single spaces and reads the last field: tabs pass the regex but fail here.
    const fields = item.split(' ');
    if (fields.length < 2) return `invalid keep count: ${item}`;
    const count = goAtoi(fields[fields.length - 1] ?? '');
    if (typeof count === 'string') return count;
    set.keepLatest = count;
  } else if (item.startsWith('keep:')) {
    const re = compileFilter(item.slice('keep:'.length));
    if (typeof re === 'string') return re;
    set.keep.push(re);
  } else {
    set.verbatim.push(item);
  }
  return undefined;
}

function compileFilter(text: string): InvertibleRegex | string {
  try {
    return compileInvertible(text);
  } catch (e) {
    if (e instanceof GoRegexError) return e.message;
    throw e;
  }
}

/** `strconv.Atoi`; a string is the error. */
function goAtoi(s: string): number | string {
  if (!/^[+-]?[0-9]+$/.test(s)) return `strconv.Atoi: parsing ${goQuote(s)}: invalid syntax`;
  const n = BigInt(s);
  if (n > INT64_MAX || n < -INT64_MAX - 1n) return `strconv.Atoi: parsing ${goQuote(s)}: value out of range`;
  return Number(n);
}

/** dregsy `NeedsExpansion`: the source's tag list is needed (the set is empty or filters). */
export function needsTagList(set: TagSet): boolean {
  const empty = set.verbatim.length === 0 && set.semver.length === 0 && set.regex.length === 0;
  return empty || set.semver.length > 0 || set.regex.length > 0;
}

/**
 * The references to copy, in dregsy's order (ascending by Go string order), without
 * duplicates. `listed` is the repository's tag list, read only when `needsTagList(set)`.
 */
export function expandTagSet(set: TagSet, listed: readonly string[] | undefined): ImageRef[] {
  const selected = new Set<string>();
  if (needsTagList(set)) {
    const tags = listed ?? [];
    const filtered = set.semver.length > 0 || set.regex.length > 0;
    for (const tag of tags) {
      if (!filtered || matchesSemver(set, tag) || set.regex.some((r) => r.test(tag))) selected.add(tag);
    }
  }
  const kept = [...selected].filter((tag) => set.keep.every((k) => k.test(tag)));
  const all = [...new Set([...kept, ...set.verbatim])];
  const ordered = set.keepLatest > 0 ? keepLatest(all, set.keepLatest) : all.sort(compareGoStrings);
  const seen = new Set<string>();
  const refs: ImageRef[] = [];
  for (const ref of ordered.map(toImageRef)) {
    const key = `${ref.tag ?? ''}\u0000${ref.digest ?? ''}`;
    if (!seen.has(key)) refs.push(ref);
    seen.add(key);
  }
  return refs;
}

function matchesSemver(set: TagSet, tag: string): boolean {
  if (set.semver.length === 0) return false;
  const parsed = parseTolerant(tag);
  return parsed.ok && set.semver.some((range) => range(parsed.version));
}

/**
 * dregsy `reduce`: tags that are no version always stay; of the versions only the `limit`
 * highest stay. Without any version the `limit` last in string order stay. Equal versions
 * (`1.31`, `v1.31.0`) are ordered by string, since dregsy's order there is random.
 */
function keepLatest(tags: readonly string[], limit: number): string[] {
  const plain: string[] = [];
  const versions: { tag: string; version: SemVersion }[] = [];
  for (const tag of tags) {
    const parsed = parseTolerant(tag);
    if (parsed.ok) versions.push({ tag, version: parsed.version });
    else plain.push(tag);
  }
  if (versions.length === 0) return plain.sort(compareGoStrings).slice(Math.max(0, plain.length - limit));
  versions.sort((a, b) => compareVersions(b.version, a.version) || compareGoStrings(a.tag, b.tag));
  return [...plain, ...versions.slice(0, limit).map((v) => v.tag)].sort(compareGoStrings);
}

/**
 * dregsy `util.SplitTag`: `sha256:…` is a digest, `name@digest` both, anything else a tag.
 * Only the `sha256:` prefix is checked, and only without `@`. An empty item stays an empty
 * tag, which fails at copy time as it does in dregsy.
 */
export function toImageRef(item: string): ImageRef {
  const text = item.startsWith(':') ? item.slice(1) : item;
  const parts = text.split('@');
  if (parts.length === 1) return text.startsWith('sha256:') ? { digest: text } : { tag: text };
  const [name = '', digest = ''] = parts;
  if (digest === '') return { tag: name };
  return name === '' ? { digest } : { tag: name, digest };
}

/**
 * What a full run would copy under `tag` (a push event's tag): nothing when the set does not
 * select it; `tag`, or `tag@digest` when the set pins one. Without `keep: latest N` the tag
 * alone decides; with it, `listed` (the repository's tags) must be given, since whether the
 * tag is among the N highest depends on the others.
 */
export function refsForPushedTag(set: TagSet, tag: string, listed?: readonly string[]): ImageRef[] {
  const pool = set.keepLatest > 0 ? [...new Set([...(listed ?? []), tag])] : [tag];
  return expandTagSet(set, pool).filter((ref) => ref.tag === tag);
}
