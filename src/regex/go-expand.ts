/**
 * Go's `Regexp.ReplaceAllString` and `Regexp.Expand` over an re2js matcher. re2js has its own
 * replacement syntaxes (JavaScript's and Java's); neither reads `$1x` as the group named `1x`
 * or skips an empty match right after the previous one, as Go does, and dregsy's
 * `to: regex:…,…` templates are Go's.
 */
import type { Matcher } from 're2js';

/**
 * Every non-overlapping match is replaced by the expanded `template`, except an empty match
 * right after the previous match; the scan moves on by at least one character, and `^` and
 * `\b` see the whole input (each search starts at a position of the same input).
 */
export function replaceAllGo(m: Matcher, input: string, template: string, names: readonly (string | undefined)[]): string {
  let out = '';
  let lastMatchEnd = 0;
  let searchPos = 0;
  while (searchPos <= input.length && m.find(searchPos)) {
    const start = m.start();
    const end = m.end();
    out += input.slice(lastMatchEnd, start);
    if (end > lastMatchEnd || start === 0) out += expandGoTemplate(template, (i) => m.group(i) ?? undefined, names);
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
 * `group(i)` is group i's text, undefined when it did not take part in the match.
 */
export function expandGoTemplate(template: string, group: (i: number) => string | undefined, names: readonly (string | undefined)[]): string {
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
    out += ref.num >= 0 ? (ref.num < names.length ? (group(ref.num) ?? '') : '') : namedGroup(group, names, ref.name);
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

/** With repeated names Go takes the first group of that name that took part in the match. */
function namedGroup(group: (i: number) => string | undefined, names: readonly (string | undefined)[], name: string): string {
  for (let i = 1; i < names.length; i++) {
    if (names[i] !== name) continue;
    const text = group(i);
    if (text !== undefined) return text;
  }
  return '';
}
