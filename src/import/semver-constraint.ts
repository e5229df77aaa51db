/**
 * Peers' semver constraints as dregsy `semver:` ranges (blang syntax: comparators with full
 * `MAJOR.MINOR.PATCH` versions, ANDed by spaces, ORed by `||`).
 *
 * - regsync (`semverRange`, regclient's own parser): space-separated comparators `>=`, `<=`,
 *   `>`, `<`, `=` (or none: equal), `^v`, `~v`; versions may be partial (`1.2` is `1.2.0`).
 * - skopeo sync (`images-by-semver`, Masterminds semver v3): also `,` between comparators,
 *   `||`, a space between operator and version, `~`, `^`, `x` wildcards and hyphen ranges.
 *   A partial version means something else per operator there (`>1.2` is `>=1.3.0`), so only
 *   `>=` and `<` (where padding with zeros is exact), `~`, `^` and wildcards take one.
 *
 * Anything else is refused with a reason, and the importer drops it.
 */
import { parseRange } from '../tags/semver-range.js';

export type ConstraintResult = { ok: true; range: string; mentionsPrerelease: boolean } | { ok: false; reason: string };

interface Version {
  parts: number[];
  pre: string;
}

const VERSION = /^v?([0-9]+(?:\.[0-9]+)*)(?:-([0-9A-Za-z.-]+))?$/;

function parseVersion(text: string): Version | undefined {
  const m = VERSION.exec(text);
  if (!m) return undefined;
  return { parts: m[1]!.split('.').map(Number), pre: m[2] ?? '' };
}

function full(v: Version): string | undefined {
  if (v.parts.length > 3) return undefined;
  const [major = 0, minor = 0, patch = 0] = v.parts;
  return `${major}.${minor}.${patch}${v.pre ? `-${v.pre}` : ''}`;
}

type Dialect = 'regsync' | 'masterminds';

function caret(v: Version, dialect: Dialect): string[] {
  const [major = 0, minor = 0, patch = 0] = v.parts;
  // Masterminds reads a missing patch as "any patch" (`^0.0` is below 0.1.0); regclient as 0.
  const patchIsAny = dialect === 'masterminds' && v.parts.length < 3;
  const upper = major > 0 ? `${major + 1}.0.0` : minor > 0 || patchIsAny ? `0.${minor + 1}.0` : `0.0.${patch + 1}`;
  return [`>=${full(v)}`, `<${upper}`];
}

function tilde(v: Version, dialect: Dialect): string[] {
  const [major = 0, minor = 0] = v.parts;
  // Masterminds: `~1` is any 1.x; regclient: `~1` is 1.0.x. Both keep `~1.2` below 1.3.0.
  const upper = dialect === 'masterminds' && v.parts.length === 1 ? `${major + 1}.0.0` : `${major}.${minor + 1}.0`;
  return [`>=${full(v)}`, `<${upper}`];
}

/** One comparator (operator and version, no spaces) → blang comparators, or a reason. */
function comparator(op: string, versionText: string, dialect: Dialect): string[] | string {
  if (dialect === 'masterminds' && /(^|\.)(x|X|\*)(\.|$)/.test(versionText) && (op === '' || op === '=')) {
    const fixed = versionText.replace(/^v/, '').split('.').filter((p) => !/^(x|X|\*)$/.test(p));
    if (fixed.length === 0) return ['>=0.0.0'];
    const v = parseVersion(fixed.join('.'));
    if (!v || v.pre) return `unsupported wildcard '${versionText}'`;
    return fixed.length === 1 ? [`>=${fixed[0]}.0.0`, `<${Number(fixed[0]) + 1}.0.0`] : tilde({ parts: v.parts.slice(0, 2), pre: '' }, dialect);
  }
  const v = parseVersion(versionText);
  if (!v) return `'${versionText}' is not a version`;
  const f = full(v);
  if (f === undefined) return `'${versionText}' has more than three numbers, which dregsy's semver cannot compare`;
  if (op === '^') return caret(v, dialect);
  if (op === '~' || op === '~>') return tilde(v, dialect);
  const partial = v.parts.length < 3;
  const normalized = op === '==' || op === '' ? '=' : op === '=>' ? '>=' : op === '=<' ? '<=' : op;
  if (dialect === 'masterminds' && partial && normalized !== '>=' && normalized !== '<') {
    return `'${op}${versionText}' uses a partial version, which Masterminds semver reads differently per operator; write a full version`;
  }
  if (!['=', '!=', '>', '>=', '<', '<='].includes(normalized)) return `unsupported operator '${op}'`;
  return [`${normalized}${f}`];
}

const TOKEN = /^(\^|~>|~|>=|<=|=>|=<|!=|==|>|<|=)?(.*)$/;

function andGroup(text: string, dialect: Dialect): string[] | string {
  let s = text.trim();
  const out: string[] = [];
  if (dialect === 'masterminds') {
    const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(s);
    if (hyphen) {
      const lo = parseVersion(hyphen[1]!);
      const hi = parseVersion(hyphen[2]!);
      if (!lo || !hi || full(lo) === undefined || hi.parts.length !== 3) return `unsupported range '${s}'`;
      return [`>=${full(lo)}`, `<=${full(hi)}`];
    }
    // Masterminds allows a space (or comma) between operator and version, and commas between comparators.
    s = s.replace(/,/g, ' ').replace(/(\^|~>|~|>=|<=|=>|=<|!=|==|>|<|=)\s+/g, '$1');
  }
  for (const part of s.split(/\s+/).filter(Boolean)) {
    const m = TOKEN.exec(part)!;
    const c = comparator(m[1] ?? '', m[2] ?? '', dialect);
    if (typeof c === 'string') return c;
    out.push(...c);
  }
  return out.length > 0 ? out : 'empty constraint';
}

/** Converts one constraint; the result is checked with dregsy's own range parser. */
export function convertConstraint(text: string, dialect: Dialect): ConstraintResult {
  const groups = dialect === 'masterminds' ? text.split('||') : [text];
  if (dialect === 'regsync' && text.includes('||')) return { ok: false, reason: "regsync has no '||' in a range (write several semverRange entries)" };
  const converted: string[] = [];
  for (const g of groups) {
    const c = andGroup(g, dialect);
    if (typeof c === 'string') return { ok: false, reason: c };
    converted.push(c.join(' '));
  }
  const range = converted.join(' || ');
  const parsed = parseRange(range);
  if (!parsed.ok) return { ok: false, reason: parsed.error };
  return { ok: true, range, mentionsPrerelease: /-/.test(range) };
}

/**
 * Tags that Masterminds semver reads as prereleases (`1.2.3-rc1`): its constraints skip them
 * unless they name a prerelease themselves; dregsy's include them, hence this `keep: !` filter.
 */
export const MASTERMINDS_PRERELEASE = 'v?[0-9]+(\\.[0-9]+){0,2}-.*';
