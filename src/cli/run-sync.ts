/**
 * The sync and check commands' composition root: reads the environment, builds the logger,
 * progress display and the service with its parts (runtime factory, listener, config watch),
 * connects signals, and turns the service's result into output and an exit code. The running
 * itself is the service's (src/service/).
 */
import { untilAborted } from '../abortable.js';
import { removeOrphanedAuthfiles } from '../auth/authfile.js';
import { readEnvironment } from '../config/environment.js';
import { errorMessage, UsageError } from '../errors.js';
import { createLogger } from '../log/create-logger.js';
import { Redactor } from '../log/redact.js';
import { compileInvertible } from '../regex/go-regex.js';
import { systemClock } from '../schedule/clock.js';
import { watchConfigFile } from '../schedule/config-watch.js';
import { Service } from '../service/service.js';
import { loadServiceConfig } from '../service/service-config.js';
import { parseShardFlag } from '../shard/shard.js';
import { buildReport, createReportWriter } from '../sync/report.js';
import type { RunMode, TaskRunResult } from '../sync/run-task.js';
import { formatCheck } from './check-output.js';
import { buildRuntime } from './compose-runtime.js';
import { ExitCode } from './exit-codes.js';
import type { RunLifecycle } from './lifecycle.js';
import { lazyServing } from './lazy-serving.js';
import { createProgress } from './progress.js';
import { logCallerLocator } from './log-caller.js';

export interface CliIo {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  onSignal(signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP', handler: () => void): () => void;
  /** Start-up waits end on `stop`; exit and emergency hooks keep credentials from outliving the process. */
  lifecycle: RunLifecycle;
}

export interface SyncCommand {
  configFile: string;
  runFilter: string | undefined;
  graceMs: number;
  /** `check`: plan only, print what would be copied; `sync`: copy. */
  mode: RunMode;
  /** Copy without comparing digests. */
  force: boolean;
  /** Write a JSON report of every image here after each task run. */
  reportFile: string | undefined;
  /** check: also list the images that are in sync. */
  verbose: boolean;
  /** `--listen ADDR`: serve the webhook and trigger endpoints there (wins over `listen:`). */
  listen?: string | undefined;
  /** `--shard INDEX/COUNT`, as typed; see src/shard/. */
  shard?: string | undefined;
  /** `--api-insecure`: the status API may listen beyond loopback without a token. */
  apiInsecure?: boolean | undefined;
  version: string;
}

/** dregsy's `-run`: full-line anchored; a leading `!` selects the tasks that do not match. */
export function taskFilter(expr: string | undefined): (name: string) => boolean {
  if (expr === undefined || expr === '') return () => true;
  try {
    const filter = compileInvertible(expr);
    return (name) => filter.test(name);
  } catch (e) {
    throw new UsageError(`invalid task filter: ${errorMessage(e)}`);
  }
}

/** How long config-file events must settle before a reload (dregsy: 5 s). */
const WATCH_DEBOUNCE_MS = 5_000;

export async function runSync(cmd: SyncCommand, io: CliIo): Promise<number> {
  const env = readEnvironment(io.env);
  const redactor = new Redactor();
  const progress = createProgress({ tty: io.stderr.isTTY === true, stderr: io.stderr, intervalMs: io.stderr.isTTY === true ? 250 : 30_000 });
  const logger = createLogger({
    level: env.logLevel,
    format: env.logFormat,
    color: env.forceColors || io.stdout.isTTY === true,
    redactor,
    out: progress.wrapOut(io.stdout),
    // read lazily, and only with LOG_METHODS: Node's own source-map support costs every start
    reportCaller: env.logMethods ? { locate: logCallerLocator() } : undefined,
  });
  progress.attach(logger);
  io.lifecycle.useLogger(logger);
  for (const w of env.warnings) logger.warn(w);
  // Folders of authfiles (credentials) that a killed dregsy left behind: swept beside the
  // start, not before it (judging another live dregsy's folder may wait up to 2 s for its
  // socket on a loaded machine), and awaited before the end. It never touches a folder whose
  // owner may run, so not the one this process makes.
  const sweep = removeOrphanedAuthfiles(logger);
  const filter = taskFilter(cmd.runFilter);
  const shardFlag = cmd.shard !== undefined ? parseShardFlag(cmd.shard) : undefined;
  if (typeof shardFlag === 'string') throw new UsageError(shardFlag);
  // Decided again at every load with the config's `shards` (src/shard/choice.ts).
  const shard = { ...env.shard, flag: cmd.shard };
  const checkOnly = cmd.mode === 'check';
  const latest = new Map<string, TaskRunResult>();

  const reports = cmd.reportFile !== undefined ? createReportWriter(cmd.reportFile) : undefined;
  const saveReport = async () => {
    try {
      await reports?.write(buildReport(cmd.mode, latest.values(), cmd.version));
    } catch (e) {
      logger.error(`cannot write report '${cmd.reportFile}': ${errorMessage(e)}`);
    }
  };
  // An emergency exit (an uncaught error, the shutdown deadline) still leaves the report.
  const offEmergency = io.lifecycle.onEmergency(() => reports?.writeNow(buildReport(cmd.mode, latest.values(), cmd.version)));
  // Only a listening daemon can be scraped; `check` neither listens nor counts.
  const serving = lazyServing({ logger, redactor, version: cmd.version, registries: () => service.registryCounters() });
  const service: Service = new Service({
    mode: cmd.mode,
    clock: systemClock(),
    logger,
    graceMs: cmd.graceMs,
    load: async () => {
      logger.debug(`reading config '${cmd.configFile}'`);
      // A SIGINT/SIGTERM ends the wait (a large config, a slow disk); the reading is abandoned.
      const loading = loadServiceConfig({
        file: cmd.configFile,
        vars: env.configVars,
        filter,
        listenFlag: checkOnly ? undefined : cmd.listen,
        webhookToken: env.webhookToken,
        apiToken: env.apiToken,
        apiInsecure: cmd.apiInsecure === true,
        serve: !checkOnly,
        shard,
      });
      const config = await untilAborted(loading, io.lifecycle.stop);
      redactor.add(config.webhookToken, config.api.token); // never logged anyway; this makes sure of it
      return config;
    },
    buildRuntime: (config, writes) =>
      buildRuntime(config, {
        writes,
        mode: cmd.mode,
        force: cmd.force,
        env,
        logger,
        redactor,
        configFile: cmd.configFile,
        onProgress: (name, counts) => progress.update(name, counts),
        stop: io.lifecycle.stop,
        onExit: (hook) => io.lifecycle.onExit(hook),
      }),
    listener: checkOnly ? undefined : serving.listener,
    observer: checkOnly ? undefined : serving.observer,
    watch: (file, onChange) => watchConfigFile(file, { debounceMs: WATCH_DEBOUNCE_MS, onChange, logger }),
    hookEnv: env.hookEnv,
    emptyMessage: cmd.runFilter ? `no task matches -run '${cmd.runFilter}'` : 'the config has no tasks',
    // Only a report needs every image of every task's latest run (check prints them from the result).
    onRun: reports
      ? async (result) => {
          latest.set(result.task, result);
          await saveReport();
        }
      : undefined,
    keepImages: checkOnly,
  });
  const offs = (['SIGINT', 'SIGTERM'] as const).map((s) => io.onSignal(s, () => service.shutdown(s)));
  if (!checkOnly) offs.push(io.onSignal('SIGHUP', () => void service.reload('SIGHUP')));
  try {
    const result = await service.run();
    await sweep; // its log lines before the result's
    progress.stop();
    if (checkOnly) {
      io.stdout.write(formatCheck(result.results, cmd.verbose));
      const inSync = result.results.every((r) => r.ok && r.counts.wouldCopy === 0);
      return inSync ? ExitCode.ok : ExitCode.failed;
    }
    if (result.failed) {
      logger.error('one or more tasks had errors, please see log for details');
      return ExitCode.failed;
    }
    return ExitCode.ok;
  } finally {
    await sweep;
    progress.stop();
    offEmergency();
    for (const off of offs) off();
  }
}
