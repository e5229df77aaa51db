/**
 * Reading JSON objects the way Go's encoding/json decodes them into a struct, for the JSON
 * that dregsy, the docker CLI and credential helpers read with it (`auth` values, docker's
 * config.json, helper answers). A user who writes `{"Username": …}` or `"PASSWORD"` gets what
 * dregsy would give them:
 * - a key matches a field whatever its case, by Unicode simple case folding, as Go does (so
 *   `ſ` matches `s` and the Kelvin sign `K` matches `k`);
 * - keys are applied in document order, so of two keys for one field the later wins;
 * - `null` leaves the field as it was; any other value of the wrong type is an error.
 */

/** Go's `foldName` for the ASCII field names we look up: the only non-ASCII runes folding onto ASCII letters. */
function fold(name: string): string {
  let out = '';
  for (const ch of name) {
    if (ch === '\u017f') out += 'S'; // ſ LATIN SMALL LETTER LONG S
    else if (ch === '\u212a') out += 'K'; // K KELVIN SIGN
    else out += ch.length === 1 && ch >= 'a' && ch <= 'z' ? ch.toUpperCase() : ch;
  }
  return out;
}

export class GoJsonTypeError extends Error {
  constructor(readonly field: string) {
    super(`"${field}" must be a string`);
    this.name = 'GoJsonTypeError';
  }
}

/** The value Go would decode into field `name`: undefined when no key matches (or only nulls do). */
export function goJsonValue(object: Readonly<Record<string, unknown>>, name: string): unknown {
  const want = fold(name);
  let value: unknown;
  for (const [key, v] of Object.entries(object)) {
    if (v !== null && fold(key) === want) value = v;
  }
  return value;
}

/** A string field: '' when absent (Go's zero value); throws GoJsonTypeError for another type. */
export function goJsonString(object: Readonly<Record<string, unknown>>, name: string): string {
  const v = goJsonValue(object, name);
  if (v === undefined) return '';
  if (typeof v !== 'string') throw new GoJsonTypeError(name);
  return v;
}

/** A JSON object (not an array); undefined for anything else. */
export function asJsonObject(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
