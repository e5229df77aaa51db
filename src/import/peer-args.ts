/**
 * The peer's own command line, as the user runs it (given after `--`): `skopeo sync --all
 * --src yaml --dest docker sync.yml registry.example.com/mirror`. Parsed the way Go's pflag
 * (cobra) reads flags: `--name`, `--name=value`, `--name value`, `-n value`; a boolean flag
 * takes no separate value but accepts `--name=false`. Leading program and command words are
 * the caller's to interpret (they are the first positionals). An unknown flag is an input
 * error: without knowing whether it takes a value, the rest of the line cannot be read.
 */
import { yamlBoolValue } from '../config/yaml-scalar.js';
import type { Where } from './import-result.js';
import { ImportInputError } from './peer-file.js';

export interface FlagSpec {
  /** Takes a value (`--dest docker`); otherwise a boolean. */
  value: boolean;
  short?: string;
}

export interface ParsedArgs {
  /** Every value given per flag (by long name), in order; booleans as 'true'/'false'. */
  flags: Map<string, string[]>;
  positionals: string[];
}

export const COMMAND_LINE = 'command line';

export function flagWhere(name: string): Where {
  return { file: COMMAND_LINE, path: `--${name}` };
}

export function parsePeerArgs(args: readonly string[], spec: Readonly<Record<string, FlagSpec>>, peer: string): ParsedArgs {
  const flags = new Map<string, string[]>();
  const positionals: string[] = [];
  const problems: string[] = [];
  const byShort = new Map(Object.entries(spec).flatMap(([name, s]) => (s.short ? [[s.short, name] as const] : [])));
  const add = (name: string, value: string) => flags.set(name, [...(flags.get(name) ?? []), value]);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    const long = /^--([^=]+)(?:=(.*))?$/s.exec(arg);
    const short = long ? undefined : /^-([A-Za-z])(.*)$/s.exec(arg);
    if (!long && !short) {
      positionals.push(arg);
      continue;
    }
    const name = long ? long[1]! : byShort.get(short![1]!);
    const s = name === undefined ? undefined : spec[name];
    if (name === undefined || s === undefined) {
      problems.push(`unknown ${peer} option '${arg.replace(/=.*$/s, '')}'`);
      continue;
    }
    const inline = long ? long[2] : short![2] === '' ? undefined : short![2]!.replace(/^=/, '');
    if (!s.value) {
      const b = inline === undefined ? true : yamlBoolValue(inline);
      if (b === undefined) problems.push(`${peer} option '--${name}' takes true or false, not '${inline}'`);
      else add(name, String(b));
      continue;
    }
    if (inline !== undefined) add(name, inline);
    else if (i + 1 < args.length) add(name, args[++i]!);
    else problems.push(`${peer} option '--${name}' needs a value`);
  }
  if (problems.length > 0) throw new ImportInputError(problems.map((message) => ({ at: { file: COMMAND_LINE, path: '' }, message })));
  return { flags, positionals };
}

/** The last value of a flag (pflag: the last one wins), or undefined. */
export function lastValue(args: ParsedArgs, name: string): string | undefined {
  const values = args.flags.get(name);
  return values?.[values.length - 1];
}

export function isOn(args: ParsedArgs, name: string): boolean {
  return lastValue(args, name) === 'true';
}

/** Drops leading words that name the program (`skopeo`, `/usr/bin/skopeo`) or its commands. */
export function skipWords(positionals: string[], words: readonly string[]): { skipped: string[]; rest: string[] } {
  const skipped: string[] = [];
  let i = 0;
  while (i < positionals.length && words.includes(positionals[i]!.replace(/^.*\//, ''))) skipped.push(positionals[i++]!.replace(/^.*\//, ''));
  return { skipped, rest: positionals.slice(i) };
}
