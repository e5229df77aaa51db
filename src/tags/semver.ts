/**
 * blang/semver v4, the library dregsy's `semver:` filters and `keep: latest N` use, rewritten
 * from its documented and observed behaviour: node-semver differs (blang ranges include
 * prereleases, `1.31` is a valid tag, `~`/`^` do not exist), so it cannot stand in.
 * Numbers are uint64 in Go, hence bigint; error texts are blang's, since dregsy shows them.
 */
import { goQuote, goTrimSpace, utf8Length } from '../regex/go-text.js';

export interface SemVersion {
  major: bigint;
  minor: bigint;
  patch: bigint;
  /** Prerelease identifiers: numbers compare numerically and sort before strings. */
  pre: (bigint | string)[];
  build: string[];
}

export type SemverResult = { ok: true; version: SemVersion } | { ok: false; error: string };

/** A parsed range: true when the version satisfies it. */
export type SemverRange = (v: SemVersion) => boolean;

const UINT64_MAX = (1n << 64n) - 1n;
const DIGITS = /^[0-9]*$/;
const ALPHANUM = /^[0-9A-Za-z-]*$/;

/** blang `Parse`: strict `MAJOR.MINOR.PATCH[-PRE][+BUILD]`. */
export function parseVersion(s: string): SemverResult {
  if (s === '') return fail('Version string empty');
  const parts = splitN(s, '.', 3);
  if (parts.length !== 3) return fail('No Major.Minor.Patch elements found');
  const [majorText, minorText, rest] = parts as [string, string, string];
  let patchText = rest;
  let build: string[] = [];
  let pre: string[] = [];
  const plus = patchText.indexOf('+');
  if (plus >= 0) {
    build = patchText.slice(plus + 1).split('.');
    patchText = patchText.slice(0, plus);
  }
  const dash = patchText.indexOf('-');
  if (dash >= 0) {
    pre = patchText.slice(dash + 1).split('.');
    patchText = patchText.slice(0, dash);
  }
  const major = versionNumber(majorText, 'major', 'Major');
  if (typeof major === 'string') return fail(major);
  const minor = versionNumber(minorText, 'minor', 'Minor');
  if (typeof minor === 'string') return fail(minor);
  const patch = versionNumber(patchText, 'patch', 'Patch');
  if (typeof patch === 'string') return fail(patch);
  const version: SemVersion = { major, minor, patch, pre: [], build: [] };
  for (const id of pre) {
    if (id === '') return fail('Prerelease is empty');
    if (DIGITS.test(id)) {
      if (id.length > 1 && id[0] === '0') return fail(`Numeric PreRelease version must not contain leading zeroes ${goQuote(id)}`);
      const n = parseUint(id);
      if (typeof n === 'string') return fail(n);
      version.pre.push(n);
    } else if (ALPHANUM.test(id)) {
      version.pre.push(id);
    } else {
      return fail(`Invalid character(s) found in prerelease ${goQuote(id)}`);
    }
  }
  for (const id of build) {
    if (id === '') return fail('Build meta data is empty');
    if (!ALPHANUM.test(id)) return fail(`Invalid character(s) found in build meta data ${goQuote(id)}`);
    version.build.push(id);
  }
  return { ok: true, version };
}

/**
 * blang `ParseTolerant`, how dregsy reads tags: trims, drops one leading `v`, strips leading
 * zeros per part and pads `1.31` / `1` with `.0`; a short version with `-`/`+` is rejected,
 * so `1.31-alpine` is not a version but `1.31.1-musl` is.
 */
export function parseTolerant(input: string): SemverResult {
  let s = goTrimSpace(input);
  if (s.startsWith('v')) s = s.slice(1);
  const parts = splitN(s, '.', 3).map((p) => {
    if (utf8Length(p) <= 1) return p;
    const trimmed = p.replace(/^0+/, '');
    return trimmed === '' || !/^[0-9]/.test(trimmed) ? `0${trimmed}` : trimmed;
  });
  if (parts.length < 3) {
    if (/[+-]/.test(parts[parts.length - 1] ?? '')) return fail('Short version cannot contain PreRelease/Build meta data');
    while (parts.length < 3) parts.push('0');
  }
  return parseVersion(parts.join('.'));
}

/** blang `Compare`: -1, 0 or 1; build metadata is ignored. */
export function compareVersions(a: SemVersion, b: SemVersion): number {
  for (const key of ['major', 'minor', 'patch'] as const) {
    if (a[key] !== b[key]) return a[key] > b[key] ? 1 : -1;
  }
  if (a.pre.length === 0 || b.pre.length === 0) return Math.sign(b.pre.length - a.pre.length);
  for (let i = 0; i < a.pre.length && i < b.pre.length; i++) {
    const c = comparePre(a.pre[i] as bigint | string, b.pre[i] as bigint | string);
    if (c !== 0) return c;
  }
  return Math.sign(a.pre.length - b.pre.length);
}

function comparePre(a: bigint | string, b: bigint | string): number {
  if (typeof a !== typeof b) return typeof a === 'bigint' ? -1 : 1;
  return a === b ? 0 : a > b ? 1 : -1;
}

function versionNumber(text: string, what: string, What: string): bigint | string {
  if (!DIGITS.test(text)) return `Invalid character(s) found in ${what} number ${goQuote(text)}`;
  if (text.length > 1 && text[0] === '0') return `${What} number must not contain leading zeroes ${goQuote(text)}`;
  return parseUint(text);
}

/** `strconv.ParseUint(s, 10, 64)`; a string is the error. */
function parseUint(s: string): bigint | string {
  if (!/^[0-9]+$/.test(s)) return `strconv.ParseUint: parsing ${goQuote(s)}: invalid syntax`;
  const n = BigInt(s);
  return n > UINT64_MAX ? `strconv.ParseUint: parsing ${goQuote(s)}: value out of range` : n;
}

/** `strings.SplitN(s, sep, n)`. */
export function splitN(s: string, sep: string, n: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (out.length < n - 1) {
    const at = rest.indexOf(sep);
    if (at < 0) break;
    out.push(rest.slice(0, at));
    rest = rest.slice(at + sep.length);
  }
  out.push(rest);
  return out;
}

function fail(error: string): { ok: false; error: string } {
  return { ok: false, error };
}
