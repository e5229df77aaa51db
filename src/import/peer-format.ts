/**
 * What every peer format module provides, as a plain object (see formats in import-config.ts):
 * which files its command line names, and the conversion itself. The conversion is pure: it
 * gets the files already read and reports through the context.
 */
import type { DraftConfig, ImportBuilder, Where } from './import-result.js';
import { formatWhere } from './import-result.js';
import type { OptionRule, RuleSink } from './option-table.js';
import type { PeerFile } from './peer-file.js';

export interface ImportInput {
  /** Every file given, in order (FILE… first, then those the peer's command line names). */
  files: PeerFile[];
  /** The peer's own command line, given after `--`. */
  args: readonly string[];
}

/** What a format module reports to: drops, same-as-dregsy notes, comments, env variables. */
export class ImportContext implements RuleSink {
  constructor(readonly builder: ImportBuilder) {}

  drop(at: Where, reason: string): void {
    this.builder.drop(at, reason);
  }

  same(at: Where, why: string): void {
    this.builder.note(`${formatWhere(at)}: ${why}`);
  }
}

/** The context with fields of one scope (a step, a host) added; drops and notes still go to `ctx`. */
export function withScope<T extends object>(ctx: ImportContext, scope: T): ImportContext & T {
  return Object.assign(Object.create(ctx) as ImportContext, scope);
}

/** One table of a format, with where its options stand (`creds[]`, `command line`). */
export interface TableDoc {
  level: string;
  table: Readonly<Record<string, OptionRule<never, never>>>;
}

export interface PeerFormat {
  name: string;
  /** Every option table, for docs/importing.md. */
  tables: TableDoc[];
  /** One line for `dregsy import --help`. */
  summary: string;
  /** Files the peer's own command line names (e.g. skopeo sync's SOURCE), to be read too. */
  filesIn(args: readonly string[]): string[];
  convert(input: ImportInput, ctx: ImportContext): DraftConfig;
}
