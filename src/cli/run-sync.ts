/** The sync command: load the config, prepare the relay, run the tasks until done or stopped. */
import { dirname, resolve as resolvePath } from 'node:path';
import pLimit from 'p-limit';
import { createAuthfileStore } from '../auth/authfile.js';
import { createCredentialSources } from '../auth/credential-sources.js';
import { readEnvironment } from '../config/environment.js';
import { loadConfig } from '../config/load.js';
import { resolveSettings } from '../config/resolve.js';
import type { Task } from '../config/schema.js';
import { UsageError, formatProblem } from '../errors.js';
import { createLogger } from '../log/create-logger.js';
import { Redactor } from '../log/redact.js';
import { compileInvertible } from '../mapping/go-regex.js';
import { createRepoLister } from '../mapping/repo-lister.js';
import { createRegistryClient } from '../registry/client.js';
import { createDockerHubClient } from '../registry/docker-hub.js';
import { createRelay } from '../relay/select-relay.js';
import { systemClock } from '../schedule/clock.js';
import { watchConfigFile } from '../schedule/config-watch.js';
import { Daemon } from '../schedule/daemon.js';
import { hostPlatform as detectHostPlatform } from '../plan/digests.js';
import { buildReport, writeReport } from '../sync/report.js';
import { runTask, type RunMode, type TaskRunResult } from '../sync/run-task.js';
import { formatCheck } from './check-output.js';
import { createProgress } from './progress.js';
import { ExitCode } from './exit-codes.js';

export interface CliIo {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  onSignal(signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP', handler: () => void): () => void;
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
  version: string;
}

/** dregsy's `-run`: full-line anchored; a leading `!` selects the tasks that do not match. */
export function taskFilter(expr: string | undefined): (name: string) => boolean {
  if (expr === undefined || expr === '') return () => true;
  try {
    const filter = compileInvertible(expr);
    return (name) => filter.test(name);
  } catch (e) {
    throw new UsageError(`invalid task filter: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** How long config-file events must settle before a restart (dregsy: 5 s). */
const WATCH_DEBOUNCE_MS = 5_000;

/**
 * Runs the tasks; a restart (SIGHUP, or a changed config file with `watch: true`) reloads the
 * config and starts over, running one-off tasks again, as dregsy does.
 */
export async function runSync(cmd: SyncCommand, io: CliIo): Promise<number> {
  for (;;) {
    const { code, restart } = await runOnce(cmd, io);
    if (!restart) return code;
  }
}

async function runOnce(cmd: SyncCommand, io: CliIo): Promise<{ code: number; restart: boolean }> {
  const once = (code: number) => ({ code, restart: false });
  const env = readEnvironment(io.env);
  const redactor = new Redactor();
  const progress = createProgress({ tty: io.stderr.isTTY === true, stderr: io.stderr, intervalMs: io.stderr.isTTY === true ? 250 : 30_000 });
  const logger = createLogger({
    level: env.logLevel,
    format: env.logFormat,
    color: env.forceColors || io.stdout.isTTY === true,
    redactor,
    out: progress.wrapOut(io.stdout),
  });
  progress.attach(logger);
  for (const w of env.warnings) logger.warn(w);
  const matches = taskFilter(cmd.runFilter);

  const loaded = await loadConfig(cmd.configFile, env.configVars);
  for (const w of loaded.warnings) logger.warn(formatProblem(loaded.file, w));
  const settings = resolveSettings(loaded);
  const tasks = (loaded.config.tasks ?? []).filter((t) => matches(t.name));
  if (tasks.length === 0) {
    logger.warn(cmd.runFilter ? `no task matches -run '${cmd.runFilter}'` : 'the config has no tasks');
    return once(ExitCode.ok);
  }

  const checkOnly = cmd.mode === 'check';
  const authfiles = await createAuthfileStore();
  // ECR tokens are cached here for the life of the process; AWS, Google, docker config, auth-file.
  const credentialSources = createCredentialSources({
    logger,
    dockerConfigDir: settings.useDockerConfig ? env.dockerConfigDir : undefined,
    baseDir: dirname(resolvePath(cmd.configFile)),
    authRefreshMs: (location) => settings.authRefreshMs(location),
  });
  const registry = createRegistryClient({ logger, userAgent: 'dregsy', proxy: env.proxy });
  const hub = createDockerHubClient({ baseUrl: env.dockerHubApiUrl, userAgent: 'dregsy', logger, proxy: env.proxy });
  const repoLister = createRepoLister({
    registry,
    hub,
    maxItems: settings.lister.maxItems,
    cacheMs: settings.lister.cacheMs,
    now: () => Date.now(),
    hubIndexUrl: env.dockerHubIndexUrl,
    ecr: (source, maxItems, signal) => credentialSources.listEcrRepositories(source, maxItems, signal),
  });
  // Chosen in prepare(): skopeo or Docker, by `relay:` or by what answers (relay/select-relay.ts).
  const relay = createRelay({ settings, tasks, authfiles, redactor, logger, registry });
  try {
    if (!checkOnly) {
      await relay.prepare();
    }
    const limitCopy = pLimit(settings.parallelCopies);
    const limitCheck = pLimit(settings.parallelChecks);
    const hostPlatform = detectHostPlatform();
    // Docker rewrites manifests but keeps the image config: compare what survives the relay.
    const compare = (checkOnly ? settings.relay : relay.name) === 'docker' ? 'config' : 'manifest';
    const latest = new Map<string, TaskRunResult>();
    const saveReport = async () => {
      if (!cmd.reportFile) return;
      try {
        await writeReport(cmd.reportFile, buildReport(cmd.mode, latest.values(), cmd.version));
      } catch (e) {
        logger.error(`cannot write report '${cmd.reportFile}': ${e instanceof Error ? e.message : String(e)}`);
      }
    };
    const daemon = new Daemon<Task & { intervalSeconds: number }>({
      // check looks once, whatever the schedule
      tasks: tasks.map((t) => ({ ...t, intervalSeconds: checkOnly ? 0 : settings.intervalSeconds(t) })),
      clock: systemClock(),
      logger,
      graceMs: cmd.graceMs,
      run: async (task, signals) => {
        const result = await runTask(
          task,
          {
            registry,
            relay: checkOnly ? undefined : relay,
            logger,
            redactor,
            certsDir: settings.skopeo.certsDir,
            limitCopy,
            limitCheck,
            mode: cmd.mode,
            force: cmd.force,
            hostPlatform,
            compare,
            onProgress: (name, counts) => progress.update(name, counts),
            listRepositories: (t, endpoint, signal) => repoLister.list(t.source.lister, endpoint, signal, t.source.registry),
            credentialSources,
            ensureTargetRepo: (t, target, repo, signal) => credentialSources.ensureTargetRepo(t, target, repo, signal),
          },
          signals,
        );
        latest.set(task.name, result);
        await saveReport();
        return result;
      },
    });
    let restart = false;
    const requestRestart = (why: string) => {
      if (restart || daemon.stopping) return;
      restart = true;
      logger.info(`restarting: ${why}`);
      daemon.shutdown(why);
    };
    const offs = (['SIGINT', 'SIGTERM'] as const).map((s) => io.onSignal(s, () => daemon.shutdown(s)));
    if (!checkOnly) offs.push(io.onSignal('SIGHUP', () => requestRestart('SIGHUP')));
    const periodic = tasks.some((t) => settings.intervalSeconds(t) > 0);
    const watcher =
      settings.watch && periodic && !checkOnly
        ? await watchConfigFile(loaded.file, { debounceMs: WATCH_DEBOUNCE_MS, onChange: requestRestart, logger })
        : undefined;
    try {
      const result = await daemon.run();
      progress.stop();
      if (restart) return { code: ExitCode.ok, restart: true };
      if (checkOnly) {
        io.stdout.write(formatCheck(tasks.flatMap((t) => latest.get(t.name) ?? []), cmd.verbose));
        const inSync = [...latest.values()].every((r) => r.ok && r.counts.wouldCopy === 0);
        return once(inSync && !result.failed ? ExitCode.ok : ExitCode.failed);
      }
      if (result.failed) {
        logger.error('one or more tasks had errors, please see log for details');
        return once(ExitCode.failed);
      }
      return once(ExitCode.ok);
    } finally {
      watcher?.close();
      for (const off of offs) off();
    }
  } finally {
    progress.stop();
    await relay.dispose();
    await registry.close();
    await hub.close();
    await authfiles.dispose();
    credentialSources.close();
  }
}
