/** The sync command: load the config, prepare the relay, run the tasks until done or stopped. */
import pLimit from 'p-limit';
import { createAuthfileStore } from '../auth/authfile.js';
import { readEnvironment } from '../config/environment.js';
import { loadConfig } from '../config/load.js';
import { resolveSettings } from '../config/resolve.js';
import type { Task } from '../config/schema.js';
import { UsageError, formatProblem } from '../errors.js';
import { createLogger } from '../log/create-logger.js';
import { Redactor } from '../log/redact.js';
import { compileGoRegex } from '../mapping/go-regex.js';
import { createRegistryClient } from '../registry/client.js';
import { createSkopeoRelay } from '../relay/skopeo/skopeo-relay.js';
import { systemClock } from '../schedule/clock.js';
import { Daemon } from '../schedule/daemon.js';
import { runTask } from '../sync/run-task.js';
import { ExitCode } from './exit-codes.js';

export interface CliIo {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown };
  env: NodeJS.ProcessEnv;
  onSignal(signal: 'SIGINT' | 'SIGTERM', handler: () => void): () => void;
}

export interface SyncCommand {
  configFile: string;
  runFilter: string | undefined;
  graceMs: number;
}

/** dregsy's `-run`: full-line anchored; a leading `!` selects the tasks that do not match. */
export function taskFilter(expr: string | undefined): (name: string) => boolean {
  if (expr === undefined || expr === '') return () => true;
  const inverted = expr.startsWith('!');
  let re: RegExp;
  try {
    re = compileGoRegex(inverted ? expr.slice(1) : expr, true);
  } catch (e) {
    throw new UsageError(`invalid task filter: ${e instanceof Error ? e.message : String(e)}`);
  }
  return (name) => re.test(name) !== inverted;
}

export async function runSync(cmd: SyncCommand, io: CliIo): Promise<number> {
  const env = readEnvironment(io.env);
  const redactor = new Redactor();
  const logger = createLogger({
    level: env.logLevel,
    format: env.logFormat,
    color: env.forceColors || io.stdout.isTTY === true,
    redactor,
    out: io.stdout,
  });
  for (const w of env.warnings) logger.warn(w);
  const matches = taskFilter(cmd.runFilter);

  const loaded = await loadConfig(cmd.configFile);
  for (const w of loaded.warnings) logger.warn(formatProblem(loaded.file, w));
  const settings = resolveSettings(loaded);
  const tasks = (loaded.config.tasks ?? []).filter((t) => matches(t.name));
  if (tasks.length === 0) {
    logger.warn(cmd.runFilter ? `no task matches -run '${cmd.runFilter}'` : 'the config has no tasks');
    return ExitCode.ok;
  }

  const authfiles = await createAuthfileStore();
  const registry = createRegistryClient({ logger, userAgent: 'dregsy' });
  const relay = createSkopeoRelay({ binary: settings.skopeo.binary, certsDir: settings.skopeo.certsDir, authfiles, redactor });
  try {
    await relay.prepare();
    logger.info(`relay: skopeo (${settings.skopeo.binary})`);
    const limitCopy = pLimit(settings.parallelCopies);
    const daemon = new Daemon<Task & { intervalSeconds: number }>({
      tasks: tasks.map((t) => ({ ...t, intervalSeconds: settings.intervalSeconds(t) })),
      clock: systemClock(),
      logger,
      graceMs: cmd.graceMs,
      run: (task, signals) =>
        runTask(
          task,
          {
            registry,
            relay,
            logger,
            redactor,
            certsDir: settings.skopeo.certsDir,
            limitCopy,
            listRepositories: (_task, endpoint, signal) =>
              registry.listRepositories(endpoint, { maxItems: settings.lister.maxItems }, signal),
          },
          signals,
        ),
    });
    const offs = (['SIGINT', 'SIGTERM'] as const).map((s) => io.onSignal(s, () => daemon.shutdown(s)));
    try {
      const result = await daemon.run();
      if (result.failed) {
        logger.error('one or more tasks had errors, please see log for details');
        return ExitCode.failed;
      }
      return ExitCode.ok;
    } finally {
      for (const off of offs) off();
    }
  } finally {
    await relay.dispose();
    await registry.close();
    await authfiles.dispose();
  }
}
