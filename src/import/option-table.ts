/**
 * Each peer format says, option by option, what becomes of it, in one table per level of its
 * file (top level, one credential, one sync step...). The table's type has a row for every key
 * of the peer's schema, so the compiler insists that no option is forgotten. A row is one of:
 *
 * - `convert`: it becomes a dregsy key (`to` names it, for the docs and the reader);
 * - `same`: dregsy already behaves this way, no key is needed; the output says why;
 * - `drop`: dregsy has no equivalent (yet); the option is listed at the top of the output and
 *   the import exits 1. `when` limits the drop to values that change something.
 *
 * When dregsy gains a feature (cron schedules, backups, referrers...), its rows change from
 * `drop` to `convert` and nothing else in the format module has to move.
 */
import type { Where } from './import-result.js';

/** Where a row reports to: the format module's conversion context. */
export interface RuleSink {
  drop(at: Where, reason: string): void;
  same(at: Where, why: string): void;
}

export interface ConvertRule<V, C> {
  kind: 'convert';
  /** The dregsy key(s) the option becomes. */
  to: string;
  apply(value: V, ctx: C, at: Where): void;
}

export interface SameRule<V, C> {
  kind: 'same';
  why: string;
  /** Only say so for values where it matters (e.g. `fastCheck: true`); default: any value set. */
  when?: (value: V, ctx: C) => boolean;
}

export interface DropRule<V, C> {
  kind: 'drop';
  reason: string;
  /** Only values that change something are dropped (e.g. `false` is the default); default: any value set. */
  when?: (value: V, ctx: C) => boolean;
}

export type OptionRule<V, C> = ConvertRule<V, C> | SameRule<V, C> | DropRule<V, C>;

/** One row per key of `T`, none missing. */
export type OptionTable<T, C> = { readonly [K in keyof T]-?: OptionRule<NonNullable<T[K]>, C> };

export function convert<V, C>(to: string, apply: (value: V, ctx: C, at: Where) => void): ConvertRule<V, C> {
  return { kind: 'convert', to, apply };
}

export function same<V, C = unknown>(why: string, when?: (value: V, ctx: C) => boolean): SameRule<V, C> {
  return when ? { kind: 'same', why, when } : { kind: 'same', why };
}

export function drop<V, C = unknown>(reason: string, when?: (value: V, ctx: C) => boolean): DropRule<V, C> {
  return when ? { kind: 'drop', reason, when } : { kind: 'drop', reason };
}

/** A value that says something: not absent, not empty, not an empty list or mapping. */
export function isSet(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/**
 * Runs every row of `table` whose key is set in `values`, in the table's order (so a later row
 * may refine what an earlier one did, e.g. `schedule` after `interval`). `at(key)` says where
 * the key stands in the peer's file.
 */
export function applyTable<T extends object, C extends RuleSink>(table: OptionTable<T, C>, values: T, ctx: C, at: (key: string) => Where): void {
  for (const key of Object.keys(table) as (keyof T & string)[]) {
    const value = values[key];
    if (!isSet(value)) continue;
    const rule = table[key] as OptionRule<unknown, C>;
    if (rule.kind === 'convert') rule.apply(value, ctx, at(key));
    else if (rule.when && !rule.when(value, ctx)) continue;
    else if (rule.kind === 'same') ctx.same(at(key), rule.why);
    else ctx.drop(at(key), rule.reason);
  }
}

/** The rows of a table for documentation: option → what becomes of it. */
export function describeTable(table: Record<string, OptionRule<never, never>>): { option: string; kind: OptionRule<never, never>['kind']; text: string }[] {
  return Object.entries(table).map(([option, rule]) => ({
    option,
    kind: rule.kind,
    text: rule.kind === 'convert' ? rule.to : rule.kind === 'same' ? rule.why : rule.reason,
  }));
}
