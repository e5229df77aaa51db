/**
 * Go's `time.ParseDuration`, which dregsy's `auth-refresh` and `lister.cacheDuration` go
 * through: `300ms`, `1.5h`, `1h30m`, `-2m`, `0`. Same grammar, same errors (`time: ...`),
 * nanoseconds as a bigint because a Go duration spans ±292 years.
 */

const UNIT_NS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n], // U+00B5 micro sign
  ['\u03bcs', 1_000n], // U+03BC Greek small letter mu
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

const MAX_ABS = 1n << 63n; // a negative duration may reach it, a positive one must stay below
export const NS_PER_MS = 1_000_000n;

export type GoDurationResult = { ok: true; ns: bigint } | { ok: false; message: string };

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

export function parseGoDuration(text: string): GoDurationResult {
  const invalid = (): GoDurationResult => ({ ok: false, message: `time: invalid duration ${JSON.stringify(text)}` });
  let s = text;
  let negative = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s.startsWith('-');
    s = s.slice(1);
  }
  if (s === '0') return { ok: true, ns: 0n };
  if (s === '') return invalid();

  let total = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) return invalid();
    // integer part; Go rejects it when it overflows int64 on its own
    let i = 0;
    let whole = 0n;
    while (isDigit(s[i])) {
      whole = whole * 10n + BigInt(s.charCodeAt(i) - 48);
      if (whole > MAX_ABS) return invalid();
      i++;
    }
    const hadWhole = i > 0;
    s = s.slice(i);
    // fraction: Go keeps the digits that fit and scales them in float64
    let fraction = 0;
    let scale = 1;
    let hadFraction = false;
    if (s.startsWith('.')) {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      while (isDigit(s[j])) {
        if (!overflow) {
          const next = fraction * 10 + (s.charCodeAt(j) - 48);
          if (next > Number.MAX_SAFE_INTEGER) overflow = true;
          else {
            fraction = next;
            scale *= 10;
          }
        }
        j++;
      }
      hadFraction = j > 0;
      s = s.slice(j);
    }
    if (!hadWhole && !hadFraction) return invalid();
    let u = 0;
    while (u < s.length && s[u] !== '.' && !isDigit(s[u])) u++;
    if (u === 0) return { ok: false, message: `time: missing unit in duration ${JSON.stringify(text)}` };
    const unitName = s.slice(0, u);
    s = s.slice(u);
    const unit = UNIT_NS.get(unitName);
    if (unit === undefined) {
      return { ok: false, message: `time: unknown unit ${JSON.stringify(unitName)} in duration ${JSON.stringify(text)}` };
    }
    let v = whole * unit;
    if (v > MAX_ABS) return invalid();
    if (fraction > 0) {
      v += BigInt(Math.trunc(fraction * (Number(unit) / scale)));
      if (v > MAX_ABS) return invalid();
    }
    total += v;
    if (total > MAX_ABS) return invalid();
  }
  if (negative) return { ok: true, ns: -total };
  if (total > MAX_ABS - 1n) return invalid();
  return { ok: true, ns: total };
}

/** Milliseconds, rounded toward zero; fine for timers (a ms is the smallest step they take). */
export function nsToMs(ns: bigint): number {
  return Number(ns / NS_PER_MS);
}

/** Go's `Duration.String()`-like rendering for messages: `1h0m0s`, `1.5s`, `300ms`. */
export function formatGoDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const sign = ns < 0n ? '-' : '';
  let rest = ns < 0n ? -ns : ns;
  if (rest < 1_000_000_000n) {
    const [unit, size] = rest < 1_000n ? ['ns', 1n] : rest < 1_000_000n ? ['µs', 1_000n] : ['ms', 1_000_000n];
    return `${sign}${decimal(rest, size)}${unit}`;
  }
  const hours = rest / 3_600_000_000_000n;
  rest %= 3_600_000_000_000n;
  const minutes = rest / 60_000_000_000n;
  rest %= 60_000_000_000n;
  const seconds = decimal(rest, 1_000_000_000n);
  if (hours > 0n) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0n) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

function decimal(value: bigint, unit: bigint): string {
  const whole = value / unit;
  const frac = value % unit;
  if (frac === 0n) return String(whole);
  const digits = String(unit).length - 1;
  return `${whole}.${String(frac).padStart(digits, '0').replace(/0+$/, '')}`;
}
