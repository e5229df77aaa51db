/**
 * `dregsy -config=FILE [-run=REGEX]`: commander wiring only. The work is done by the
 * command modules; exit codes come from exit-codes.ts.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { InvalidConfigError } from '../config/load.js';
import { readEnvironment } from '../config/environment.js';
import { ConfigError, StoppedError, UsageError, formatProblem } from '../errors.js';
import { createLogger } from '../log/create-logger.js';
import { Redactor } from '../log/redact.js';
import { addApiCommands } from './api-commands.js';
import { exitCodeForError, isUserError, ExitCode } from './exit-codes.js';
import { normalizeGoFlags } from './argv.js';
import { fatalLine } from './last-resort.js';
import { KILL_MARGIN_MS, startLifecycle, type Lifecycle, type LogPort, type ProcessPort } from './lifecycle.js';
import { runSync, type CliIo } from './run-sync.js';
import { mappedTrace } from './stack-trace.js';
import { addImportCommand } from './import-command.js';

export type { CliIo } from './run-sync.js';

export const SYNOPSIS = 'dregsy -config={config file} [-run {task name regex}]  |  dregsy check -config={config file}  |  dregsy status|pause|resume|run';

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    // Running from an unusual layout: the version is cosmetic, do not fail for it.
    return 'unknown';
  }
}

export function processIo(lifecycle: Lifecycle): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    onSignal: (signal, handler) => lifecycle.onSignal(signal, handler),
    lifecycle,
  };
}

function processPort(): ProcessPort {
  return {
    on: (event, listener) => process.on(event, listener),
    off: (event, listener) => process.off(event, listener),
    exit: (code) => process.exit(code),
    setExitCode: (code) => void (process.exitCode = code),
    stderr: (text) => void process.stderr.write(text),
    outputPending: () => process.stdout.writableLength > 0 || process.stderr.writableLength > 0,
  };
}

/** Until a run has its own logger: signal notices and the last resort, with LOG_LEVEL and LOG_FORMAT honoured. */
function bootLogger(env: NodeJS.ProcessEnv): LogPort {
  const { logLevel, logFormat } = readEnvironment(env);
  return createLogger({ level: logLevel, format: logFormat, color: false, redactor: new Redactor(), out: process.stdout });
}

interface SyncOptions {
  config?: string;
  run?: string;
  gracePeriod: string;
  force?: boolean;
  report?: string;
  verbose?: boolean;
  listen?: string;
  shard?: string;
  apiInsecure?: boolean;
}

function commonOptions(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'the config file (dregsy: -config=FILE)')
    .option('--run <regex>', 'only the tasks whose name matches (full-line anchored, a leading ! inverts)')
    .option('--report <file>', 'write a JSON report of every image (references, digests, action, duration, error) after each task run')
    .option('--shard <index/count>', 'copy only this replica\'s share of the images (e.g. 0/3); default: from DREGSY_SHARDS or `shards` with JOB_COMPLETION_INDEX or the StatefulSet ordinal');
}

/** Runs the CLI and returns the exit code (the caller sets process.exitCode). */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const ver = version();
  let chosen: { mode: 'sync' | 'check'; opts: SyncOptions } | undefined;
  let apiCommand: (() => Promise<number>) | undefined;
  const program = commonOptions(
    new Command('dregsy')
      .usage('-config=FILE [-run=REGEX] | check -config=FILE')
      .description('Keep container images in sync between registries (a dregsy-compatible sync tool).'),
  )
    .option('--force', 'copy every selected image, even when the target already has the same digest')
    .option('--listen <addr>', "serve the webhook endpoints, status API and page, /metrics and probes on ADDR ('127.0.0.1:8080', ':8080'); wins over 'listen:'")
    .option('--api-insecure', 'let the status API listen beyond loopback without DREGSY_API_TOKEN (as api.allow-no-token)')
    // 20 s: with the 7 s a killed copy may take to end, well inside Kubernetes' 30 s before SIGKILL
    .option('--grace-period <seconds>', 'on SIGINT/SIGTERM, how long running copies may take to finish', '20')
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
  const imported = addImportCommand(program, io);
  addApiCommands(program, io, (c) => {
    apiCommand = c;
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
  if (imported.exitCode !== undefined) return imported.exitCode;
  if (!chosen && !apiCommand) return ExitCode.ok;
  try {
    if (apiCommand) return await apiCommand();
    const { mode, opts } = chosen!;
    if (!opts.config) throw new UsageError(`missing -config\nsynopsis: ${SYNOPSIS}`);
    const grace = Number(opts.gracePeriod);
    if (!Number.isFinite(grace) || grace < 0) throw new UsageError(`invalid --grace-period '${opts.gracePeriod}': expected seconds`);
    io.lifecycle.setShutdownDeadline(grace * 1000 + KILL_MARGIN_MS);
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
        apiInsecure: opts.apiInsecure === true,
        version: ver,
        shard: opts.shard,
      },
      io,
    );
  } catch (e) {
    if (e instanceof ConfigError) {
      io.stderr.write(`invalid config (${e.problems.length} problem${e.problems.length === 1 ? '' : 's'}):\n${e.message}\n`);
      // Warnings often explain the errors (`registy:` is why `registry not set`).
      if (e instanceof InvalidConfigError) for (const w of e.warnings) io.stderr.write(`warning: ${formatProblem(e.file, w)}\n`);
    } else if (e instanceof StoppedError) {
      // Only a start-up wait ends with it: the service handles a stop once tasks run.
      io.stderr.write(`dregsy: ${e.message} before the tasks ran\n`);
    } else if (isUserError(e)) {
      io.stderr.write(`dregsy: ${(e as Error).message}\n`);
    } else {
      // One line; the trace only on request, mapped to the sources (the bundle is minified).
      io.stderr.write(`dregsy: ${fatalLine(e)}\n`);
      if (['debug', 'trace'].includes(readEnvironment(io.env).logLevel)) io.stderr.write(`${mappedTrace(e)}\n`);
    }
    return exitCodeForError(e);
  }
}

/** What the launcher (bin/dregsy) hands over: signals it received while this bundle loaded, and its listeners. */
export interface Launcher {
  signals: readonly string[];
  release(): void;
}

export async function main(argv: readonly string[], launcher?: Launcher): Promise<void> {
  // First: from here on no signal, uncaught error or exit leaves credentials behind.
  const lifecycle = startLifecycle(processPort(), bootLogger(process.env), launcher?.signals ?? []);
  // Only now: with no listener at all for a moment, Node would drop a signal that is on its way.
  launcher?.release();
  lifecycle.finish(await run(argv, processIo(lifecycle)));
}
