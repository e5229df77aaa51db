/**
 * Peers' tag and repository regexes as text for dregsy's `regex:`, `keep:` and `from: regex:`.
 * All are Go (RE2) expressions, so only the anchoring differs:
 * - dregsy anchors textually: `^` is prepended unless the text starts with `^`, `$` appended
 *   unless it ends with `$` (so `a|b` is `^a|b$`), and a leading `!` in a tag filter inverts it;
 * - regsync anchors textually too (`"^" + p + "$"`), which is the same except for a text ending
 *   in an escaped `\$`, where dregsy would append nothing;
 * - skopeo sync's `images-by-tag-regex` and image-syncer's `:/regex/` match anywhere (Go's
 *   `MatchString`), so they get `.*` around them.
 */
import { GoRegexError, compileGoRegex } from '../regex/go-regex.js';

/** Ends in a `$` that is escaped (an odd number of backslashes before it). */
function endsWithEscapedDollar(p: string): boolean {
  if (!p.endsWith('$')) return false;
  let n = 0;
  for (let i = p.length - 2; i >= 0 && p[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

function endsWithAnchor(p: string): boolean {
  return p.endsWith('$') && !endsWithEscapedDollar(p);
}

/** A leading `!` would invert a dregsy tag filter; escaped, it is the same literal `!`. */
function guardBang(p: string): string {
  return p.startsWith('!') ? `\\${p}` : p;
}

/** Text that dregsy's anchoring turns into what `^p$` (regsync's) means. */
export function anchoredPattern(p: string): string {
  const t = guardBang(p);
  return endsWithEscapedDollar(t) ? `${t}$` : t;
}

/** Text that dregsy's anchoring turns into "`p` matches somewhere" (Go's unanchored `MatchString`). */
export function unanchoredPattern(p: string): string {
  // With an alternation the pieces need a group; without one, `.*` around is enough.
  if (p.includes('|')) return `.*(?:${p}).*`;
  const start = p.startsWith('^') ? '' : '.*';
  const end = endsWithAnchor(p) ? '' : '.*';
  return `${start}${p}${end}`;
}

/** The comment that says how an unanchored regex was carried over. */
export function regexNote(peer: string, p: string): string {
  return unanchoredPattern(p) === p
    ? `${peer}'s tag regex matches anywhere in a tag; this one is anchored (^…$) already`
    : `${peer}'s tag regex '${p}' matches anywhere in a tag; dregsy anchors, hence the .* around it`;
}

/** Several anchored patterns as one expression that matches when any of them does. */
export function anyOfAnchored(patterns: readonly string[]): string {
  if (patterns.length === 1) return anchoredPattern(patterns[0]!);
  // Each alternative carries its own anchors, so dregsy's outer ones change nothing.
  return patterns.map((p) => `(?:^${p}${endsWithAnchor(p) ? '' : '$'})`).join('|');
}

/** Go's message for an invalid expression, or undefined when it compiles. */
export function goRegexProblem(p: string): string | undefined {
  try {
    compileGoRegex(p, false);
    return undefined;
  } catch (e) {
    return e instanceof GoRegexError ? e.message : 'invalid regular expression';
  }
}
