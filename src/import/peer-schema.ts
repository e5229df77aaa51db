/**
 * Field types for the peers' zod schemas. The files are read like dregsy's own (every scalar
 * as the text it was written as, see config/yaml-source.ts), so a Go `[]string` of `[3.10]`
 * stays "3.10"; each field decides how to read its text, as the peer's Go decoder would.
 */
import * as z from 'zod';
import { yamlNumber } from '../config/yaml-scalar.js';
import { yamlBool, yamlDurationText, yamlInt, yamlString } from '../config/schema.js';

/** Absent, or null (an empty value: the Go zero value), reads as undefined. */
export function opt<T extends z.ZodType>(schema: T) {
  return schema
    .nullish()
    .transform((v) => v ?? undefined)
    .optional();
}

export const text = opt(yamlString);
export const bool = opt(yamlBool);
export const int = opt(yamlInt);
export const duration = opt(yamlDurationText);
export const list = opt(z.array(yamlString));

/** A Go float64 field (`reqPerSec: 0.5`). */
export const float = opt(
  z.union([z.number(), z.string().refine((s) => yamlNumber(s) !== undefined, { error: 'expected a number' })]).transform((v) =>
    typeof v === 'number' ? v : Number(yamlNumber(v)?.value),
  ),
);

/** A required text value with its own message when missing or empty. */
export function required(missing: string) {
  return yamlString
    .nullish()
    .refine((v) => v != null && v !== '', { error: missing })
    .transform((v) => v as string);
}

export { yamlString };
