/**
 * regsync's own command line (given after `--`): `regsync once|server|check [-c FILE]
 * [--missing] [--abort-on-error] [-v LEVEL] [--logopt json]`. `server` (the default, since a
 * config with schedules is made for it) keeps intervals; `once` runs every step once.
 */
import { convert, drop, same, applyTable, type OptionTable } from './option-table.js';
import { COMMAND_LINE, parsePeerArgs, skipWords } from './peer-args.js';
import { inputError } from './peer-file.js';
import { withScope, type ImportContext } from './peer-format.js';

export const REGSYNC_FLAGS = {
  config: { value: true, short: 'c' },
  missing: { value: false },
  'abort-on-error': { value: false },
  verbosity: { value: true, short: 'v' },
  logopt: { value: true },
  format: { value: true },
} as const;

type RegsyncCommandLine = { [K in keyof typeof REGSYNC_FLAGS | 'command']?: string };

interface CommandCtx extends ImportContext {
  mode: { once: boolean };
}

const on = (v: string) => v === 'true';

export const REGSYNC_COMMAND_OPTIONS: OptionTable<RegsyncCommandLine, CommandCtx> = {
  command: convert('once: tasks that run once; server (the default): schedules and intervals; check: `dregsy check`', (v, c) => {
    c.mode.once = v === 'once';
    if (v === 'check') c.builder.note('regsync check is `dregsy check -config=FILE`: it shows what a run would copy');
  }),
  config: convert('(the FILE)', () => {}),
  missing: drop('copying only tags the target lacks: dregsy also updates tags whose image changed', on),
  'abort-on-error': drop('stopping at the first failure: dregsy goes on with the other images and exits 1', on),
  verbosity: same('dregsy takes its log level from LOG_LEVEL (debug, info, ...)'),
  logopt: same('dregsy logs JSON with LOG_FORMAT=json', (v) => v === 'json'),
  format: same("only formats regsync's own `config` and `version` output"),
};

/** Reads the command line; `once` says whether schedules apply. */
export function readRegsyncCommand(args: readonly string[], ctx: ImportContext): { once: boolean } {
  const parsed = parsePeerArgs(args, REGSYNC_FLAGS, 'regsync');
  const { skipped, rest } = skipWords(parsed.positionals, ['regsync', 'once', 'server', 'check']);
  if (rest.length > 0) throw inputError({ file: COMMAND_LINE, path: '' }, `unexpected argument '${rest[0]}' (regsync takes once, server or check, and -c FILE)`);
  const values: RegsyncCommandLine = { command: skipped.filter((w) => w !== 'regsync').pop() };
  for (const [name, v] of parsed.flags) values[name as keyof typeof REGSYNC_FLAGS] = v[v.length - 1];
  const mode = { once: false };
  const c: CommandCtx = withScope(ctx, { mode });
  applyTable(REGSYNC_COMMAND_OPTIONS, values, c, (key) => ({ file: COMMAND_LINE, path: key === 'command' ? '' : `--${key}` }));
  return mode;
}

/** `-c FILE` on regsync's command line names the config file. */
export function regsyncConfigIn(args: readonly string[]): string[] {
  const values = parsePeerArgs(args, REGSYNC_FLAGS, 'regsync').flags.get('config');
  return values?.length ? [values[values.length - 1]!] : [];
}
