/**
 * A mapping's `from` / `to` (dregsy `sync.Mapping`): which source repositories, and the
 * target path of each.
 *
 *   from: a/b            one repository
 *   from: regex:<expr>   every repository of the source's list that the anchored expression
 *                        matches (the text after `regex:` is used as is, not trimmed, as in dregsy)
 *   from: '*'            every repository of the source's list, however long the list is: a
 *                        whole-registry mirror (not in dregsy; `*` is no repository name)
 *   to:   (none)         same path
 *   to:   c/d            for a plain from: that path; for a regex or '*' from: a prefix
 *                        (`to: ecr` turns `team/app` into `ecr/team/app`)
 *   to:   regex:<expr>,<replacement>
 *                        Go ReplaceAllString on the `/`-prefixed source path; split at the
 *                        first comma, the expression is not anchored
 */
import type { RepoPair } from '../plan/plan.js';
import { compileGoRegex, GoRegexError, type GoRegex } from '../regex/go-regex.js';

const REGEX = 'regex:';
/** `from: '*'`: the whole repository list. */
export const WHOLE_REGISTRY = '*';

export type PathMapping = {
  /** `whole`: written as `from: '*'` (the list is read to its end, whatever `lister.maxItems` says). */
  from: { kind: 'path'; path: string } | { kind: 'regex'; expr: string; re: GoRegex; whole?: boolean };
  to: { kind: 'same' } | { kind: 'path'; path: string } | { kind: 'regex'; expr: string; re: GoRegex; replacement: string };
};

export type PathMappingProblem = { field: 'from' | 'to'; message: string };
export type PathMappingResult = { ok: true; mapping: PathMapping } | { ok: false; problems: PathMappingProblem[] };

/** Parses `from` and `to` with dregsy's rules and messages, reporting both fields' problems. */
export function parsePathMapping(from: string, to: string | null | undefined): PathMappingResult {
  const problems: PathMappingProblem[] = [];
  const fromPart = parseFrom(from, problems);
  const toPart = parseTo(to ?? '', problems);
  if (!fromPart || !toPart) return { ok: false, problems };
  return { ok: true, mapping: { from: fromPart, to: toPart } };
}

function parseFrom(from: string, problems: PathMappingProblem[]): PathMapping['from'] | undefined {
  if (from === '') {
    problems.push({ field: 'from', message: "mapping without 'From' path" });
    return undefined;
  }
  if (from === WHOLE_REGISTRY) return { kind: 'regex', expr: '.*', re: compileGoRegex('.*', true), whole: true };
  if (!from.startsWith(REGEX)) return { kind: 'path', path: withLeadingSlash(from) };
  const expr = from.slice(REGEX.length);
  const re = compile(expr, true, 'from', problems);
  return re && { kind: 'regex', expr, re };
}

function parseTo(to: string, problems: PathMappingProblem[]): PathMapping['to'] | undefined {
  if (to === '') return { kind: 'same' };
  if (!to.startsWith(REGEX)) return { kind: 'path', path: withLeadingSlash(to) };
  const body = to.slice(REGEX.length);
  const comma = body.indexOf(',');
  if (comma < 0) {
    problems.push({ field: 'to', message: "replacement expression missing in 'to'" });
    return undefined;
  }
  const expr = body.slice(0, comma);
  const re = compile(expr, false, 'to', problems);
  return re && { kind: 'regex', expr, re, replacement: body.slice(comma + 1) };
}

function compile(expr: string, anchored: boolean, field: 'from' | 'to', problems: PathMappingProblem[]): GoRegex | undefined {
  try {
    return compileGoRegex(expr, anchored);
  } catch (e) {
    if (!(e instanceof GoRegexError)) throw e;
    problems.push({ field, message: `'${field}' uses invalid regular expression '${expr}': ${e.message}` });
    return undefined;
  }
}

/** True when `from` selects repositories from the source's repository list. */
export function isRepoSelection(m: PathMapping): boolean {
  return m.from.kind === 'regex';
}

/** True for `from: '*'`: every repository, the list read to its end. */
export function isWholeRegistry(m: PathMapping): boolean {
  return m.from.kind === 'regex' && m.from.whole === true;
}

/** `from` as written selects from the repository list (`regex:…` or `'*'`); for rules on raw text. */
export function selectsFromList(from: string): boolean {
  return from.startsWith(REGEX) || from === WHOLE_REGISTRY;
}

/**
 * Source → target repository paths, without a leading slash. For a regex `from`, `repos` is
 * the source's repository list (names without a leading slash), kept in its order.
 */
export function mapPaths(m: PathMapping, repos: readonly string[] = []): RepoPair[] {
  const { from } = m;
  if (from.kind === 'path') return [pair(from.path, mapPath(m, from.path))];
  return repos.filter((name) => from.re.test(name)).map((name) => withLeadingSlash(name)).map((path) => pair(path, mapPath(m, path)));
}

/**
 * The repository this mapping copies to `target` (no leading slash), if `target` is one of the
 * mapping's targets. On a task whose target registry is its source registry, a push of such a
 * repository is the mapping's own output, which must not be copied again (one level deeper each
 * time). Undefined when no selected repository maps to it, or when that cannot be told: a
 * `from: regex:` with a `to: regex:` (a replacement cannot be run backwards).
 */
export function sourceMappedTo(m: PathMapping, target: string): string | undefined {
  const { from, to } = m;
  if (from.kind === 'path') {
    const only = mapPaths(m)[0];
    return only && only.target === target ? only.source : undefined;
  }
  if (to.kind === 'regex') return undefined;
  // `to:` a prefix (or none): the target is the prefix, then the selected source's path
  const prefix = to.kind === 'path' ? cleanPath(to.path).replace(/\/+$/, '') : '';
  const source = prefix === '' ? target : target.startsWith(`${prefix}/`) ? target.slice(prefix.length + 1) : undefined;
  return source !== undefined && source !== '' && from.re.test(source) ? source : undefined;
}

/** dregsy `mapPath` on a `/`-prefixed path. */
function mapPath(m: PathMapping, path: string): string {
  const { to } = m;
  if (to.kind === 'regex') return to.re.replaceAll(path, to.replacement);
  if (to.kind === 'path') return m.from.kind === 'regex' ? to.path + path : to.path;
  return path;
}

/**
 * dregsy concatenates paths as text, so `to: /ecr/` would give `/ecr//team/app`, which no
 * registry accepts; duplicate slashes are collapsed and the leading one dropped.
 */
function pair(source: string, target: string): RepoPair {
  return { source: cleanPath(source), target: cleanPath(target) };
}

function cleanPath(path: string): string {
  return path.replace(/\/{2,}/g, '/').replace(/^\//, '');
}

function withLeadingSlash(path: string): string {
  return path.startsWith('/') ? path : `/${path}`;
}
