/**
 * The only module that starts processes (and the only importer of execa). Arguments are
 * passed as an array, never through a shell; callers must keep credentials out of them.
 * execa is loaded on the first process start (its own chunk of the bundle): a run with the
 * native relay, a dry run and an idle daemon start none, and need not compile it.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Result as ExecaResult } from 'execa';

export interface RunOptions {
  /** Aborting ends the process: SIGTERM, then SIGKILL after `killGraceMs`. */
  signal?: AbortSignal;
  killGraceMs?: number;
  /** Called with each line the process prints (stdout and stderr), as it prints it. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Added to this process's environment (see `extendEnv`); `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Add `env` to this process's environment (default) rather than use `env` alone. */
  extendEnv?: boolean;
  /** Working directory (default: ours). */
  cwd?: string;
  timeoutMs?: number;
  /** Written to the process's stdin (e.g. what a docker credential helper asks for); else no stdin. */
  input?: string;
  /**
   * Run it in a process group of its own and end the whole group (timeout, abort, and whatever
   * is left once it exits): a user's script may start children (`sh -c 'sleep 600'`) that would
   * outlive it and keep its output open. For commands the user writes, not for our own tools.
   */
  group?: boolean;
}

export interface RunResult {
  command: string;
  exitCode: number | undefined;
  /** The signal that ended the process, if one did. */
  signal: string | undefined;
  stdout: string;
  stderr: string;
  /** The process could not be started (ENOENT, EACCES). */
  spawnError: string | undefined;
  cancelled: boolean;
  timedOut: boolean;
}

export async function runProcess(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  if (opts.group) return runGroup(file, args, opts);
  const { execa } = await import('execa');
  const child = execa(file, args, {
    reject: false,
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' as const }),
    cancelSignal: opts.signal,
    forceKillAfterDelay: opts.killGraceMs ?? 5_000,
    timeout: opts.timeoutMs,
    env: opts.env,
    extendEnv: opts.extendEnv ?? true,
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    stripFinalNewline: true,
  });
  pipeLines(child, opts.onLine);
  const r = await child;
  return resultOf(file, args, r, r.isCanceled === true, r.timedOut === true);
}

/** runProcess for `group: true`: timeout and abort end the whole process group, SIGTERM then SIGKILL. */
async function runGroup(file: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const { execa } = await import('execa');
  const ended = new AbortController();
  const child = execa(file, args, {
    reject: false,
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' as const }),
    detached: true,
    env: opts.env,
    extendEnv: opts.extendEnv ?? true,
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    stripFinalNewline: true,
  });
  const pid = child.pid;
  let why: 'timeout' | 'cancel' | undefined;
  let forceTimer: NodeJS.Timeout | undefined;
  const end = (reason: 'timeout' | 'cancel') => {
    if (why !== undefined || ended.signal.aborted) return;
    why = reason;
    killGroup(pid, 'SIGTERM');
    forceTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), opts.killGraceMs ?? 5_000);
  };
  const timer = opts.timeoutMs !== undefined ? setTimeout(() => end('timeout'), opts.timeoutMs) : undefined;
  const onAbort = () => end('cancel');
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  pipeLines(child, opts.onLine);
  try {
    return resultOf(file, args, await child, why === 'cancel', why === 'timeout');
  } finally {
    ended.abort();
    clearTimeout(timer);
    clearTimeout(forceTimer);
    opts.signal?.removeEventListener('abort', onAbort);
    // What the process left behind in its group goes with it.
    killGroup(pid, 'SIGKILL');
  }
}

/** What execa reports, in our terms; a spawn error only when nothing ended the process on purpose. */
function resultOf(file: string, args: readonly string[], r: ExecaResult, cancelled: boolean, timedOut: boolean): RunResult {
  const spawnFailed = r.failed && r.exitCode === undefined && r.signal === undefined && !cancelled && !timedOut;
  return {
    command: [file, ...args].join(' '),
    exitCode: r.exitCode,
    signal: r.signal,
    stdout: typeof r.stdout === 'string' ? r.stdout : '',
    stderr: typeof r.stderr === 'string' ? r.stderr : '',
    spawnError: spawnFailed ? (r.cause instanceof Error ? r.cause.message : r.shortMessage) : undefined,
    cancelled,
    timedOut,
  };
}

function pipeLines(child: { stdout: Readable | null; stderr: Readable | null }, onLine: RunOptions['onLine']): void {
  if (!onLine) return;
  if (child.stdout) createInterface({ input: child.stdout }).on('line', (l) => onLine(l, 'stdout'));
  if (child.stderr) createInterface({ input: child.stderr }).on('line', (l) => onLine(l, 'stderr'));
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch (e) {
    // ESRCH: the group is gone already, which is what we want.
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}
