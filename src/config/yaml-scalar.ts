/**
 * How Go's yaml.v2 reads a plain scalar's text into a typed field, for the few types dregsy
 * declares: bool, int and time.Duration. The loader keeps every scalar as its text; these
 * functions give it the meaning dregsy would.
 */
import { parseGoDuration } from './go-duration.js';

/** yaml.v2's resolve table for booleans (YAML 1.1). */
export const YAML11_TRUE = ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'] as const;
export const YAML11_FALSE = ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'] as const;

/** Plain scalars yaml.v2 reads as null (the field keeps its zero value). */
export const YAML_NULL_WORDS: ReadonlySet<string> = new Set(['', '~', 'null', 'Null', 'NULL']);

export function yamlBoolValue(text: string): boolean | undefined {
  if ((YAML11_TRUE as readonly string[]).includes(text)) return true;
  if ((YAML11_FALSE as readonly string[]).includes(text)) return false;
  return undefined;
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;
/** yaml.v2's `yamlStyleFloat`. */
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const SPECIAL_FLOATS: ReadonlyMap<string, number> = new Map([
  ['.inf', Infinity], ['.Inf', Infinity], ['.INF', Infinity],
  ['+.inf', Infinity], ['+.Inf', Infinity], ['+.INF', Infinity],
  ['-.inf', -Infinity], ['-.Inf', -Infinity], ['-.INF', -Infinity],
  ['.nan', NaN], ['.NaN', NaN], ['.NAN', NaN],
]);

export type YamlNumber = { kind: 'int'; value: bigint } | { kind: 'float'; value: number };

/**
 * The number yaml.v2 resolves a plain scalar to, or undefined when it stays a string.
 * Integers go through Go's `strconv.ParseInt(s, 0, 64)` after dropping `_`: so `0x1F`,
 * `0o17`, `0b101` and (careful) `017` = 15 are integers, as in dregsy.
 */
export function yamlNumber(text: string): YamlNumber | undefined {
  const special = SPECIAL_FLOATS.get(text);
  if (special !== undefined) return { kind: 'float', value: special };
  const first = text[0];
  if (first === '.') {
    return /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(text) ? { kind: 'float', value: Number(text) } : undefined;
  }
  if (first === undefined || !/[-+0-9]/.test(first)) return undefined;
  const plain = text.replaceAll('_', '');
  const int = goParseInt(plain);
  if (int !== undefined && int >= INT64_MIN && int <= UINT64_MAX) return { kind: 'int', value: int };
  if (YAML_STYLE_FLOAT.test(plain)) {
    const f = Number(plain);
    if (!Number.isNaN(f)) return { kind: 'float', value: f };
  }
  return undefined;
}

/** `strconv.ParseInt(s, 0, 64)` without its range check (the caller applies the type's). */
function goParseInt(s: string): bigint | undefined {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const [, sign = '', body = ''] = m;
  let magnitude: bigint;
  if (/^0[xXbBoO]/.test(body)) magnitude = BigInt(body.toLowerCase());
  else if (body.length > 1 && body.startsWith('0')) magnitude = BigInt(`0o${body.slice(1)}`);
  else magnitude = BigInt(body);
  return sign === '-' ? -magnitude : magnitude;
}

/** What yaml.v2 stores in an `int` field (Go int is 64-bit): floats are truncated. */
export function yamlInt64(text: string): bigint | undefined {
  const n = yamlNumber(text);
  if (n === undefined) return undefined;
  if (n.kind === 'int') return n.value >= INT64_MIN && n.value <= INT64_MAX ? n.value : undefined;
  if (!Number.isFinite(n.value) || n.value > 9.223372036854775e18 || n.value < -9.223372036854775e18) return undefined;
  return BigInt(Math.trunc(n.value));
}

export type YamlDuration = { ok: true; ns: bigint; fromNumber: boolean } | { ok: false; message: string };

/**
 * A `time.Duration` field: yaml.v2 stores a number as nanoseconds (so `3600` is 3.6µs) and
 * parses any other text with Go's `time.ParseDuration`.
 */
export function yamlDuration(text: string): YamlDuration {
  if (yamlNumber(text) !== undefined) {
    const ns = yamlInt64(text);
    return ns === undefined ? { ok: false, message: `'${text}' is out of range for a duration` } : { ok: true, ns, fromNumber: true };
  }
  const d = parseGoDuration(text);
  return d.ok ? { ok: true, ns: d.ns, fromNumber: false } : d;
}
