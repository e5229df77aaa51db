/**
 * `hooks.after-sync`: a command run after a task run, e.g. `mc mirror` to keep a bucket in
 * step with the registry, or a cache warm-up. Started through exec/ (no shell unless the user
 * names one), with the run's result as JSON on stdin. A failing or hanging hook is logged and
 * ended at its timeout; it never fails the run and never stops the daemon. The scheduler keeps
 * the task busy while its hook runs, so hooks of one task never overlap.
 */
import { errorMessage } from '../errors.js';
import { runProcess } from '../exec/exec.js';
import type { Logger } from '../log/logger.js';
import type { AfterSyncHook } from '../model/task.js';
import type { TaskRunResult } from '../sync/run-task.js';

/** What the hook reads on stdin. */
export interface HookInput extends TaskRunResult {
  /** What asked for the run: start, interval, schedule, webhook, trigger, manual. */
  triggers: string[];
}

export function hookWanted(hook: AfterSyncHook, result: TaskRunResult): boolean {
  if (hook.when === 'always') return true;
  if (hook.when === 'failed') return !result.ok;
  return result.counts.copied > 0;
}

export interface HookContext {
  logger: Logger;
  /** The environment the hook starts from (dregsy's, less its own secrets). */
  baseEnv: Record<string, string>;
  /** Aborted at forced shutdown: the hook is ended too. */
  signal: AbortSignal;
}

const STDERR_TAIL_LINES = 5;

/** Runs the hook; resolves true when it exited 0. Never throws. */
export async function runAfterSyncHook(hook: AfterSyncHook, input: HookInput, ctx: HookContext): Promise<boolean> {
  const log = ctx.logger;
  const started = Date.now();
  log.info(`after-sync hook started: ${hook.cmd}`);
  try {
    const r = await runProcess(hook.cmd, hook.args, {
      input: `${JSON.stringify(input)}\n`,
      env: { ...ctx.baseEnv, ...hook.env, DREGSY_TASK: input.task },
      extendEnv: false,
      ...(hook.workdir !== undefined ? { cwd: hook.workdir } : {}),
      timeoutMs: hook.timeoutMs,
      signal: ctx.signal,
      // a shell hook's children are ended with it (timeout, shutdown), never left behind
      group: true,
      onLine: (line, stream) => log.debug(`after-sync hook ${stream}: ${line}`),
    });
    const ms = Date.now() - started;
    if (r.spawnError !== undefined) {
      log.error(`after-sync hook '${hook.cmd}' cannot start: ${r.spawnError}`);
      return false;
    }
    if (r.timedOut) {
      log.error(`after-sync hook '${hook.cmd}' ran past its timeout (${hook.timeoutMs / 1000}s) and was ended`);
      return false;
    }
    if (r.cancelled) {
      log.warn(`after-sync hook '${hook.cmd}' was ended by the shutdown`);
      return false;
    }
    if (r.exitCode !== 0) {
      const tail = r.stderr.split('\n').filter(Boolean).slice(-STDERR_TAIL_LINES).join(' | ');
      log.error(`after-sync hook '${hook.cmd}' failed (${r.signal ? `signal ${r.signal}` : `exit code ${String(r.exitCode)}`})${tail ? `: ${tail}` : ''}`, { ms });
      return false;
    }
    log.info('after-sync hook finished', { ms });
    return true;
  } catch (e) {
    log.error(`after-sync hook '${hook.cmd}' failed: ${errorMessage(e)}`);
    return false;
  }
}
