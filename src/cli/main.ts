/**
 * `dregsy -config=FILE [-run=REGEX]`: commander wiring only. The work is done by the
 * command modules; exit codes come from exit-codes.ts.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { ConfigError, UsageError } from '../errors.js';
import { exitCodeForError, isUserError, ExitCode } from './exit-codes.js';
import { normalizeGoFlags } from './argv.js';
import { runSync, type CliIo } from './run-sync.js';

export type { CliIo } from './run-sync.js';

export const SYNOPSIS = 'dregsy -config={config file} [-run {task name regex}]  |  dregsy check -config={config file}';

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    // Running from an unusual layout: the version is cosmetic, do not fail for it.
    return 'unknown';
  }
}

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    onSignal(signal, handler) {
      process.on(signal, handler);
      return () => process.off(signal, handler);
    },
  };
}

interface SyncOptions {
  config?: string;
  run?: string;
  gracePeriod: string;
  force?: boolean;
  report?: string;
  verbose?: boolean;
  listen?: string;
}

function commonOptions(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'the config file (dregsy: -config=FILE)')
    .option('--run <regex>', 'only the tasks whose name matches (full-line anchored, a leading ! inverts)')
    .option('--report <file>', 'write a JSON report of every image (references, digests, action, duration, error) after each task run');
}

/** Runs the CLI and returns the exit code (the caller sets process.exitCode). */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const ver = version();
  let chosen: { mode: 'sync' | 'check'; opts: SyncOptions } | undefined;
  const program = commonOptions(
    new Command('dregsy')
      .usage('-config=FILE [-run=REGEX] | check -config=FILE')
      .description('Keep container images in sync between registries (a dregsy-compatible sync tool).'),
  )
    .option('--force', 'copy every selected image, even when the target already has the same digest')
    .option('--grace-period <seconds>', 'on SIGINT/SIGTERM, how long running copies may take to finish', '30')
    .option('--listen <addr>', "serve the webhook and trigger endpoints on ADDR ('127.0.0.1:8080', ':8080'); wins over 'listen:'")
    .version(ver, '--version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showSuggestionAfterError(true)
    // `check -config=FILE`: options after the command name are the command's own
    .enablePositionalOptions()
    .action((o: SyncOptions) => {
      chosen = { mode: 'sync', opts: o };
    });
  commonOptions(program.command('check').description('show what a run would copy, skip or miss, without copying (exit 0: all in sync)'))
    .option('-v, --verbose', 'also list the images that are in sync')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .action((o: SyncOptions) => {
      chosen = { mode: 'check', opts: { ...o, gracePeriod: '0' } };
    });
  try {
    await program.parseAsync(normalizeGoFlags(argv), { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with exit code 0; a bad flag with commander's message printed.
      return e.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    throw e;
  }
  if (!chosen) return ExitCode.ok;
  const { mode, opts } = chosen;
  try {
    if (!opts.config) throw new UsageError(`missing -config\nsynopsis: ${SYNOPSIS}`);
    const grace = Number(opts.gracePeriod);
    if (!Number.isFinite(grace) || grace < 0) throw new UsageError(`invalid --grace-period '${opts.gracePeriod}': expected seconds`);
    return await runSync(
      {
        configFile: opts.config,
        runFilter: opts.run,
        graceMs: grace * 1000,
        mode,
        force: opts.force === true,
        reportFile: opts.report,
        verbose: opts.verbose === true,
        listen: opts.listen,
        version: ver,
      },
      io,
    );
  } catch (e) {
    if (e instanceof ConfigError) {
      io.stderr.write(`invalid config (${e.problems.length} problem${e.problems.length === 1 ? '' : 's'}):\n${e.message}\n`);
    } else if (isUserError(e)) {
      io.stderr.write(`dregsy: ${(e as Error).message}\n`);
    } else {
      io.stderr.write(`dregsy: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    }
    return exitCodeForError(e);
  }
}

export async function main(argv: readonly string[]): Promise<void> {
  process.exitCode = await run(argv, processIo());
}
