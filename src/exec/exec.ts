/**
 * The only module that starts processes (and the only importer of execa). Arguments are
 * passed as an array, never through a shell; callers must keep credentials out of them.
 * execa is loaded on the first process start (its own chunk of the bundle): a run with the
 * native relay, a dry run and an idle daemon start none, and need not compile it.
 */
import { createInterface } from 'node:readline';

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
  if (opts.onLine) {
    const onLine = opts.onLine;
    if (child.stdout) createInterface({ input: child.stdout }).on('line', (l) => onLine(l, 'stdout'));
    if (child.stderr) createInterface({ input: child.stderr }).on('line', (l) => onLine(l, 'stderr'));
  }
  const r = await child;
  const spawnFailed = r.failed && r.exitCode === undefined && r.signal === undefined && !r.isCanceled && !r.timedOut;
  return {
    command: [file, ...args].join(' '),
    exitCode: r.exitCode,
    signal: r.signal,
    stdout: typeof r.stdout === 'string' ? r.stdout : '',
    stderr: typeof r.stderr === 'string' ? r.stderr : '',
    spawnError: spawnFailed ? (r.cause instanceof Error ? r.cause.message : r.shortMessage) : undefined,
    cancelled: r.isCanceled === true,
    timedOut: r.timedOut === true,
  };
}
