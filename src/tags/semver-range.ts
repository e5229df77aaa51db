/**
 * blang/semver v4 `ParseRange`, quirks included, because dregsy users' existing filters must
 * select the same tags: comparators are split on spaces except right after `<`, `>` or `=`
 * (so `>= 1.2.3` works), one-character pieces are dropped, `x` wildcards are rewritten into
 * plain comparators, and range versions are parsed strictly (`>=1.2` is an error).
 */
import { goQuote, goTrimSpace } from '../regex/go-text.js';
import { compareVersions, parseVersion, type SemVersion, type SemverRange } from './semver.js';

export type RangeResult = { ok: true; range: SemverRange } | { ok: false; error: string };

type Comparator = (v: SemVersion, bound: SemVersion) => boolean;

const COMPARATORS: Record<string, Comparator> = {
  '': (v, b) => compareVersions(v, b) === 0,
  '=': (v, b) => compareVersions(v, b) === 0,
  '==': (v, b) => compareVersions(v, b) === 0,
  '!': (v, b) => compareVersions(v, b) !== 0,
  '!=': (v, b) => compareVersions(v, b) !== 0,
  '>': (v, b) => compareVersions(v, b) > 0,
  '>=': (v, b) => compareVersions(v, b) >= 0,
  '<': (v, b) => compareVersions(v, b) < 0,
  '<=': (v, b) => compareVersions(v, b) <= 0,
};

const INT64_MAX = (1n << 63n) - 1n;

/** Parses a range: space-separated comparators are ANDed, `||` groups are ORed. */
export function parseRange(s: string): RangeResult {
  const groups = splitOrGroups(splitAndTrim(s));
  if (!Array.isArray(groups)) return groups;
  // blang expands every wildcard before it parses any comparator, so its errors come first.
  const expanded = groups.map((g) => g.flatMap(expandWildcard));
  for (const part of expanded.flat()) if (typeof part !== 'string') return part;
  const predicates: SemverRange[] = [];
  for (const group of expanded as string[][]) {
    const tests: SemverRange[] = [];
    for (const part of group) {
      const split = splitComparatorVersion(part);
      if (!split.ok) return split;
      const test = comparatorRange(split.op, split.version);
      if (typeof test === 'string') return { ok: false, error: `Could not parse Range ${goQuote(part)}: ${test}` };
      tests.push(test);
    }
    predicates.push((v) => tests.every((t) => t(v)));
  }
  // blang accepts `a || || b` and then calls a nil function: dregsy would crash on the
  // first tag that fails `a`. Refusing it up front is the useful reading.
  if (groups.some((g) => g.length === 0)) return { ok: false, error: "Could not parse Range: nothing between two '||'" };
  return { ok: true, range: (v) => predicates.some((p) => p(v)) };
}

/** blang `splitAndTrim`, on UTF-8 bytes as in Go (the one-character rule counts bytes). */
function splitAndTrim(s: string): string[] {
  const bytes = new TextEncoder().encode(s);
  const decode = (from: number, to: number): string => new TextDecoder().decode(bytes.subarray(from, to));
  const out: string[] = [];
  let last = 0;
  let lastChar = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x20 && lastChar !== 0x3c && lastChar !== 0x3d && lastChar !== 0x3e) {
      if (last < i - 1) out.push(decode(last, i));
      last = i + 1;
    } else if (b !== 0x20) {
      lastChar = b ?? 0;
    }
  }
  if (last < bytes.length - 1) out.push(decode(last, bytes.length));
  return out.map((p) => p.replaceAll(' ', ''));
}

function splitOrGroups(parts: string[]): string[][] | { ok: false; error: string } {
  const groups: string[][] = [];
  let last = 0;
  for (const [i, p] of parts.entries()) {
    if (p !== '||') continue;
    if (i === 0) return { ok: false, error: "First element in range is '||'" };
    groups.push(parts.slice(last, i));
    last = i + 1;
  }
  if (last === parts.length) return { ok: false, error: "Last element in range is '||'" };
  groups.push(parts.slice(last));
  return groups;
}

function splitComparatorVersion(s: string): { ok: true; op: string; version: string } | { ok: false; error: string } {
  const at = s.search(/\p{Nd}/u);
  if (at < 0) return { ok: false, error: `Could not get version from string: ${goQuote(s)}` };
  return { ok: true, op: goTrimSpace(s.slice(0, at)), version: s.slice(at) };
}

function comparatorRange(op: string, version: string): SemverRange | string {
  const compare = Object.hasOwn(COMPARATORS, op) ? COMPARATORS[op] : undefined;
  if (!compare) return `Could not parse comparator ${goQuote(op)} in ${goQuote(op + version)}`;
  const parsed = parseVersion(version);
  if (!parsed.ok) return `Could not parse version ${goQuote(version)} in ${goQuote(op + version)}: ${parsed.error}`;
  const bound = parsed.version;
  return (v) => compare(v, bound);
}

/**
 * blang `expandWildcardVersion` for one comparator: any part containing `x` is rewritten,
 * e.g. `1.2.x` → `>=1.2.0 <1.3.0`, `>1.x` → `>=2.0.0`, `<=1.2.x` → `<1.3.0`. Like blang,
 * an unknown operator is dropped (`~1.2.x` becomes `1.2.0`), and `1.x.x` counts as a patch
 * wildcard (`>=1.0.0 <1.1.0`).
 */
function expandWildcard(part: string): (string | { ok: false; error: string })[] {
  if (!part.includes('x')) return [part];
  const split = splitComparatorVersion(part);
  if (!split.ok) return [split];
  const { op, version } = split;
  const flat = flattenWildcard(version);
  const out: string[] = [];
  let resultOp = '';
  let increment = false;
  if (op === '>') [resultOp, increment] = ['>=', true];
  else if (op === '>=') resultOp = '>=';
  else if (op === '<') resultOp = '<';
  else if (op === '<=') [resultOp, increment] = ['<', true];
  else if (op === '' || op === '=' || op === '==') {
    out.push(`>=${flat}`);
    [resultOp, increment] = ['<', true];
  } else if (op === '!=' || op === '!') {
    out.push(`<${flat}`);
    [resultOp, increment] = ['>=', true];
  }
  let resultVersion = flat;
  if (increment) {
    const kind = wildcardKind(version);
    resultVersion = kind === 'patch' ? incrementPart(flat, 1) : kind === 'minor' ? incrementPart(flat, 0) : '';
  }
  out.push(resultOp + resultVersion);
  return out;
}

function wildcardKind(version: string): 'major' | 'minor' | 'patch' | undefined {
  const parts = version.split('.');
  if (parts[parts.length - 1] !== 'x') return undefined;
  return (['major', 'minor', 'patch'] as const)[parts.length - 1];
}

function flattenWildcard(version: string): string {
  const flat = version.replace('.x.x', '.x').replace('.x', '.0');
  return flat.split('.').length === 2 ? `${flat}.0` : flat;
}

/** Adds one to a dot-separated part (Go `strconv.Atoi`, int64); '' when it is no number. */
function incrementPart(version: string, index: number): string {
  const parts = version.split('.');
  const text = parts[index] ?? '';
  if (!/^[+-]?[0-9]+$/.test(text)) return '';
  const n = BigInt(text);
  if (n > INT64_MAX || n < -INT64_MAX - 1n) return '';
  parts[index] = String(n === INT64_MAX ? -INT64_MAX - 1n : n + 1n); // Go's int wraps
  return parts.join('.');
}
