/**
 * Go regular expressions for the config's `regex:` values, the tag filters and `-run`:
 * compiled to JS RegExps with Go's meaning, and Go's `ReplaceAllString` for `to: regex:`.
 */
import { GoRegexError, translateGoRegex } from './go-regex-translate.js';
import { goTrimSpace } from './go-text.js';

export { GoRegexError } from './go-regex-translate.js';

/** A RegExp that remembers its Go text and Go group names (JS names cannot be `1x` or repeat). */
export class GoRegExp extends RegExp {
  // Derived RegExps (split, matchAll) are plain ones: they have no Go names to carry.
  static override get [Symbol.species](): RegExpConstructor {
    return RegExp;
  }

  constructor(
    source: string,
    flags: string,
    readonly goSource: string,
    readonly groupNames: readonly (string | undefined)[],
  ) {
    super(source, flags);
  }
}

/**
 * Compiles a Go (RE2) expression. `anchored` applies dregsy's `util.CompileRegex(v, true)`:
 * `^` is prepended unless the text starts with `^`, `$` appended unless it ends with `$`.
 * That is text, not a group, so `a|b` becomes `^a|b$` (starts with a, or ends with b) exactly
 * as in dregsy, and a trailing `\` becomes the escaped `\$`. Errors carry Go's message, for
 * the anchored text, as dregsy reports it.
 */
export function compileGoRegex(expr: string, anchored: boolean): GoRegExp {
  let text = expr;
  if (anchored) {
    if (!text.startsWith('^')) text = `^${text}`;
    if (!text.endsWith('$')) text = `${text}$`;
  }
  const t = translateGoRegex(text);
  try {
    return new GoRegExp(t.source, t.flags, text, t.groupNames);
  } catch {
    // The translation only emits syntax Node accepts; this is a safety net, not a path.
    throw new GoRegexError('cannot be translated to a JavaScript expression', text);
  }
}

/** Go's `MatchString`: true when `re` matches anywhere in `s` (anchors are in the expression). */
export function matchesGo(re: RegExp, s: string): boolean {
  if (re.global || re.sticky) re.lastIndex = 0;
  return re.test(s);
}

export interface InvertibleRegex {
  re: GoRegExp;
  inverted: boolean;
  test(s: string): boolean;
}

/** dregsy's `util.NewRegex`: trimmed, a leading `!` inverts, always anchored. */
export function compileInvertible(expr: string): InvertibleRegex {
  const text = goTrimSpace(expr);
  const inverted = text.startsWith('!');
  const re = compileGoRegex(inverted ? text.slice(1) : text, true);
  return { re, inverted, test: (s) => matchesGo(re, s) !== inverted };
}

/**
 * Go's `Regexp.ReplaceAllString`: every non-overlapping match is replaced by the expanded
 * `template`, except an empty match right after the previous match; the scan moves on by at
 * least one character, and `^`/`\b` see the whole input.
 */
export function goReplaceAll(re: RegExp, input: string, template: string): string {
  const scanner = new RegExp(re.source, `${re.flags.replace(/[gy]/g, '')}g`);
  const names = re instanceof GoRegExp ? re.groupNames : undefined;
  let out = '';
  let lastMatchEnd = 0;
  let searchPos = 0;
  while (searchPos <= input.length) {
    scanner.lastIndex = searchPos;
    const m = scanner.exec(input);
    if (!m) break;
    const start = m.index;
    const end = start + m[0].length;
    out += input.slice(lastMatchEnd, start);
    if (end > lastMatchEnd || start === 0) out += expandTemplate(template, m, names);
    lastMatchEnd = end;
    const width = searchPos < input.length ? String.fromCodePoint(input.codePointAt(searchPos) ?? 0).length : 0;
    if (searchPos + width > end) searchPos += width;
    else if (searchPos + 1 > end) searchPos++;
    else searchPos = end;
  }
  return out + input.slice(lastMatchEnd);
}

/**
 * Go's `Regexp.Expand`: `$$` is `$`; `$name` and `${name}` take the longest run of letters,
 * digits and `_` (so `$1x` is the group named `1x`); an all-digit name without a leading zero
 * is a group number; a missing or unmatched group expands to ''; a malformed `$` stays as is.
 */
export function expandTemplate(template: string, m: RegExpExecArray, names: readonly (string | undefined)[] | undefined): string {
  let out = '';
  let rest = template;
  for (;;) {
    const at = rest.indexOf('$');
    if (at < 0) break;
    out += rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (rest.startsWith('$')) {
      out += '$';
      rest = rest.slice(1);
      continue;
    }
    const ref = extractReference(rest);
    if (!ref) {
      out += '$';
      continue;
    }
    rest = ref.rest;
    out += ref.num >= 0 ? (m[ref.num] ?? '') : namedGroup(m, names, ref.name);
  }
  return out + rest;
}

function extractReference(s: string): { name: string; num: number; rest: string } | undefined {
  const braced = s.startsWith('{');
  const body = braced ? s.slice(1) : s;
  const name = /^[\p{L}\p{Nd}_]+/u.exec(body)?.[0];
  if (!name) return undefined;
  if (braced && body[name.length] !== '}') return undefined;
  const num = /^(0|[1-9][0-9]{0,8})$/.test(name) ? Number(name) : -1;
  return { name, num, rest: body.slice(name.length + (braced ? 1 : 0)) };
}

function namedGroup(m: RegExpExecArray, names: readonly (string | undefined)[] | undefined, name: string): string {
  if (!names) return m.groups?.[name] ?? '';
  // With repeated names Go takes the first group of that name that took part in the match.
  for (let i = 1; i < names.length; i++) {
    if (names[i] === name && m[i] !== undefined) return m[i] ?? '';
  }
  return '';
}
