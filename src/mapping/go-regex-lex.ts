/**
 * The pieces of Go's regexp parser that read one token at a position of the expression:
 * escapes, Unicode groups, bracket classes and `{n,m}`. Each either returns what it read and
 * where it ended, or throws Go's error for the text Go would quote.
 */
import { perlClass, posixClass, unicodeProperty, type CodeRange } from './go-regex-class.js';

/** Go's `*syntax.Error`: same message, so dregsy's error texts come out unchanged. */
export class GoRegexError extends Error {
  override readonly name = 'GoRegexError';
  constructor(
    readonly code: string,
    readonly expr: string,
  ) {
    super(`error parsing regexp: ${code}: \`${expr}\``);
  }
}

const C_ESCAPES: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };

function charAt(e: string, i: number): string {
  return i < e.length ? String.fromCodePoint(e.codePointAt(i) ?? 0) : '';
}

function unhex(ch: string): number {
  return /^[0-9A-Fa-f]$/.test(ch) ? parseInt(ch, 16) : -1;
}

/** Go's `parseEscape` at `s` (a backslash): octal, hex, C escapes, escaped punctuation. */
export function parseEscape(e: string, s: number): { cp: number; end: number } {
  if (s + 1 >= e.length) throw new GoRegexError('trailing backslash at end of expression', '');
  const c = charAt(e, s + 1);
  let t = s + 1 + c.length;
  const invalid = (): GoRegexError => new GoRegexError('invalid escape sequence', e.slice(s, t));
  const isOctal = (i: number): boolean => /^[0-7]$/.test(e[i] ?? '');
  if (c.charCodeAt(0) < 0x80 && !/[A-Za-z0-9]/.test(c)) return { cp: c.charCodeAt(0), end: t };
  if (c >= '0' && c <= '7') {
    // A lone \1-\7 would be a backreference, which Go does not support.
    if (c !== '0' && !isOctal(t)) throw invalid();
    let r = Number(c);
    for (let k = 1; k < 3 && isOctal(t); k++, t++) r = r * 8 + Number(e[t]);
    return { cp: r, end: t };
  }
  const simple = C_ESCAPES[c];
  if (simple !== undefined) return { cp: simple, end: t };
  if (c !== 'x' || t >= e.length) throw invalid();
  if (e[t] !== '{') {
    // Two hex digits; Go consumes both characters before it checks them.
    const first = charAt(e, t);
    t += first.length;
    const second = charAt(e, t);
    t += second.length;
    const x = unhex(first);
    const y = unhex(second);
    if (x < 0 || y < 0) throw invalid();
    return { cp: x * 16 + y, end: t };
  }
  t++;
  let r = 0;
  let digits = 0;
  for (;;) {
    const ch = charAt(e, t);
    if (ch === '') throw invalid();
    t += ch.length;
    if (ch === '}') break;
    const v = unhex(ch);
    r = r * 16 + v;
    if (v < 0 || r > 0x10ffff) throw invalid();
    digits++;
  }
  if (digits === 0) throw invalid();
  return { cp: r, end: t };
}

/** `\pL`, `\p{Greek}`, `\P{^Lu}` at `s`, as a JS property escape. */
export function parseUnicodeClass(e: string, s: number): { src: string; end: number } {
  let sign = e[s + 1] === 'P' ? -1 : 1;
  let name: string;
  let end: number;
  if (e[s + 2] === '{') {
    const close = e.indexOf('}', s);
    if (close < 0) throw new GoRegexError('invalid character class range', e.slice(s));
    name = e.slice(s + 3, close);
    end = close + 1;
  } else {
    name = charAt(e, s + 2);
    end = s + 2 + name.length;
  }
  if (name.startsWith('^')) {
    sign = -sign;
    name = name.slice(1);
  }
  const property = unicodeProperty(name);
  if (!property) throw new GoRegexError('invalid character class range', e.slice(s, end));
  return { src: `\\${sign > 0 ? 'p' : 'P'}{${property}}`, end };
}

export interface BracketClass {
  ranges: CodeRange[];
  /** JS property escapes (`\p{…}`) that belong to the class. */
  props: string[];
  negated: boolean;
  end: number;
}

/** `[…]` at `start`: Go allows `]` first, `-` anywhere, `[:name:]`, `\d`, `\p{…}`, escapes. */
export function parseBracketClass(e: string, start: number): BracketClass {
  let t = start + 1;
  const negated = e[t] === '^';
  if (negated) t++;
  const ranges: CodeRange[] = [];
  const props: string[] = [];
  for (let first = true; t >= e.length || e[t] !== ']' || first; first = false) {
    if (e.length - t > 2 && e[t] === '[' && e[t + 1] === ':') {
      const close = e.indexOf(':]', t + 2);
      if (close >= 0) {
        const named = posixClass(e.slice(t + 2, close));
        if (!named) throw new GoRegexError('invalid character class range', e.slice(t, close + 2));
        ranges.push(...named);
        t = close + 2;
        continue;
      }
    }
    if (e[t] === '\\' && (e[t + 1] === 'p' || e[t + 1] === 'P')) {
      const u = parseUnicodeClass(e, t);
      props.push(u.src);
      t = u.end;
      continue;
    }
    const perl = e[t] === '\\' ? perlClass(e[t + 1] ?? '') : undefined;
    if (perl) {
      ranges.push(...perl);
      t += 2;
      continue;
    }
    const rangeStart = t;
    const lo = classChar(e, t, start);
    let hi = lo.cp;
    t = lo.end;
    if (e.length - t >= 2 && e[t] === '-' && e[t + 1] !== ']') {
      const h = classChar(e, t + 1, start);
      hi = h.cp;
      t = h.end;
      if (hi < lo.cp) throw new GoRegexError('invalid character class range', e.slice(rangeStart, t));
    }
    ranges.push([lo.cp, hi]);
  }
  return { ranges, props, negated, end: t + 1 };
}

function classChar(e: string, t: number, classStart: number): { cp: number; end: number } {
  if (t >= e.length) throw new GoRegexError('missing closing ]', e.slice(classStart));
  if (e[t] === '\\') return parseEscape(e, t);
  const ch = charAt(e, t);
  return { cp: ch.codePointAt(0) ?? 0, end: t + ch.length };
}

/** Go's `parseRepeat` at a `{`: undefined when the text is no repeat (then `{` is a literal). */
export function parseRepeatSpec(e: string, pos: number): { min: number; max: number; end: number } | undefined {
  const lo = parseCount(e, pos + 1);
  if (!lo) return undefined;
  let min = lo.n;
  let max = min;
  let t = lo.end;
  if (e[t] === ',') {
    t++;
    if (e[t] === '}') max = -1;
    else {
      const hi = parseCount(e, t);
      if (!hi) return undefined;
      max = hi.n;
      t = hi.end;
      if (max < 0) min = -1; // too big: reported as an invalid count
    }
  }
  return e[t] === '}' ? { min, max, end: t + 1 } : undefined;
}

/** Go's `parseInt`: no leading zeros; -1 once the value passes 1e8. */
function parseCount(e: string, t: number): { n: number; end: number } | undefined {
  const digits = /^[0-9]+/.exec(e.slice(t))?.[0];
  if (!digits || (digits.length > 1 && digits[0] === '0')) return undefined;
  let n = 0;
  for (const d of digits) n = n >= 1e8 ? -1 : n < 0 ? n : n * 10 + Number(d);
  return { n, end: t + digits.length };
}
