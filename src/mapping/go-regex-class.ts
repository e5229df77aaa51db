/**
 * Go RE2 character classes as JS class text. Go's Perl and POSIX classes are ASCII-only
 * (`\s` is `[\t\n\f\r ]`, without `\v` or Unicode spaces), unlike JS's, so they are spelled
 * out as ranges; Unicode groups map onto JS property escapes.
 */

/** An inclusive code point range. */
export type CodeRange = readonly [number, number];

const MAX_RUNE = 0x10ffff;

const DIGIT: CodeRange[] = [[0x30, 0x39]];
const UPPER: CodeRange[] = [[0x41, 0x5a]];
const LOWER: CodeRange[] = [[0x61, 0x7a]];
const WORD: CodeRange[] = [...DIGIT, ...UPPER, [0x5f, 0x5f], ...LOWER];

const PERL: Record<string, CodeRange[]> = {
  d: DIGIT,
  s: [[0x09, 0x0a], [0x0c, 0x0d], [0x20, 0x20]],
  w: WORD,
};

const POSIX: Record<string, CodeRange[]> = {
  alnum: [...DIGIT, ...UPPER, ...LOWER],
  alpha: [...UPPER, ...LOWER],
  ascii: [[0x00, 0x7f]],
  blank: [[0x09, 0x09], [0x20, 0x20]],
  cntrl: [[0x00, 0x1f], [0x7f, 0x7f]],
  digit: DIGIT,
  graph: [[0x21, 0x7e]],
  lower: LOWER,
  print: [[0x20, 0x7e]],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  space: [[0x09, 0x0d], [0x20, 0x20]],
  upper: UPPER,
  word: WORD,
  xdigit: [...DIGIT, [0x41, 0x46], [0x61, 0x66]],
};

/** Go 1.24's `unicode.Categories` keys. (Go's `C` leaves out unassigned code points, JS's does not.) */
const CATEGORIES = new Set(
  'C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'.split(' '),
);

/** `\d`, `\S`, … as ranges; undefined when `letter` is no Perl class. */
export function perlClass(letter: string): CodeRange[] | undefined {
  const ranges = PERL[letter.toLowerCase()];
  if (!ranges || !/^[dswDSW]$/.test(letter)) return undefined;
  return letter === letter.toUpperCase() ? complement(ranges) : ranges;
}

/** `alpha` or `^alpha` (the text between `[:` and `:]`); undefined when unknown. */
export function posixClass(name: string): CodeRange[] | undefined {
  const negated = name.startsWith('^');
  const ranges = Object.hasOwn(POSIX, negated ? name.slice(1) : name) ? POSIX[negated ? name.slice(1) : name] : undefined;
  if (!ranges) return undefined;
  return negated ? complement(ranges) : ranges;
}

/**
 * The JS property for a Go Unicode group name: a general category, `Any`, or a script.
 * Scripts are checked against the engine rather than a copied table.
 */
export function unicodeProperty(name: string): string | undefined {
  if (name === 'Any' || CATEGORIES.has(name)) return name;
  if (!/^[A-Z][A-Za-z_]*$/.test(name)) return undefined;
  try {
    new RegExp(`\\p{Script=${name}}`, 'u');
    return `Script=${name}`;
  } catch {
    return undefined; // not a script the engine knows: Go reports it as an invalid class
  }
}

/** Sorted, merged copy of `ranges`. */
export function normalize(ranges: readonly CodeRange[]): CodeRange[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

export function complement(ranges: readonly CodeRange[]): CodeRange[] {
  const out: CodeRange[] = [];
  let next = 0;
  for (const [lo, hi] of normalize(ranges)) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_RUNE) out.push([next, MAX_RUNE]);
  return out;
}

/** Class body text (no brackets); every non-alphanumeric escaped so no JS class syntax leaks in. */
export function classBody(ranges: readonly CodeRange[]): string {
  return normalize(ranges)
    .map(([lo, hi]) => (lo === hi ? classChar(lo) : `${classChar(lo)}-${classChar(hi)}`))
    .join('');
}

function classChar(cp: number): string {
  return /^[A-Za-z0-9]$/.test(String.fromCodePoint(cp)) ? String.fromCodePoint(cp) : `\\u{${cp.toString(16)}}`;
}

/** Whether case folding could change what the ranges match (used to place the `i` flag). */
export function rangesFoldCase(ranges: readonly CodeRange[]): boolean {
  return ranges.some(([lo, hi]) => overlaps(lo, hi, 0x41, 0x5a) || overlaps(lo, hi, 0x61, 0x7a) || hi >= 0xb5);
}

function overlaps(lo: number, hi: number, a: number, b: number): boolean {
  return lo <= b && hi >= a;
}
