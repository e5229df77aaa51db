/** Runs the built CLI (bin/dregsy → dist/) as a user would, and helpers to write its config. */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hermeticEnv } from '../support/temp.js';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const dregsyBin = join(repoRoot, 'bin', 'dregsy');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Added to the hermetic environment (see `cliEnv`); `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
  /**
   * Called once the process started (to watch /proc, send signals, ...). What it returns is
   * awaited: if it rejects (a failed assertion), the process is killed and runDregsy rejects
   * with that error, so no assertion is lost in a promise nobody awaits.
   */
  onSpawn?: (child: ChildProcess, output: { stdout: () => string }) => Promise<void> | void;
}

/** The CLI's environment: hermetic (no host HOME, docker config, cloud credentials or proxies), text logs at info, and `extra`. */
export function cliEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  return hermeticEnv({ LOG_FORMAT: 'text', LOG_LEVEL: 'info', ...extra });
}

export function runDregsy(args: string[], opts: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = cliEnv(opts.env);
    const child = spawn(process.execPath, [dregsyBin, ...args], { cwd: opts.cwd ?? repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    let driverFailed: { error: unknown } | undefined;
    const failDriver = (error: unknown) => {
      driverFailed = { error };
      child.kill('SIGKILL');
    };
    let driver: Promise<void> = Promise.resolve();
    try {
      // Called at once: a test may hold on to `child` before its first await.
      driver = Promise.resolve(opts.onSpawn?.(child, { stdout: () => stdout })).catch(failDriver);
    } catch (e) {
      failDriver(e);
    }
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      void driver.then(() => (driverFailed ? reject(driverFailed.error as Error) : resolve({ code, signal, stdout, stderr })));
    });
  });
}

/** base64 of {"username","password"}, as dregsy's `auth`. */
export function authOf(username: string, password: string): string {
  return Buffer.from(JSON.stringify({ username, password })).toString('base64');
}

export async function writeConfig(dir: string, yaml: string, name = 'config.yaml'): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, yaml);
  return file;
}

/** Resolves once `get()` matches `re` at least `count` times; rejects after `ms` with what it saw. */
export function waitForOutput(get: () => string, re: RegExp, ms: number, count = 1): Promise<void> {
  const deadline = Date.now() + ms;
  const all = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
  return new Promise((resolve, reject) => {
    const poll = () => {
      if ((get().match(all) ?? []).length >= count) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${re} ×${count}: ${get()}`));
      setTimeout(poll, 20);
    };
    poll();
  });
}

/** What the scheduler says (at debug level) when every run is done and nothing is pending. */
export const IDLE = /every run is done; waiting for the next scheduled run or push event/;

/**
 * Resolves once dregsy (at LOG_LEVEL=debug) said it was idle after the last line matching
 * `after`: nothing runs, waits or is pending then, so a run that was not asked for would have
 * shown by now. The event that proves a negative, instead of a sleep.
 */
export function waitForIdleAfter(get: () => string, after: RegExp, ms: number): Promise<void> {
  const all = new RegExp(after.source, after.flags.includes('g') ? after.flags : `${after.flags}g`);
  return waitUntil(
    () => {
      const text = get();
      let end = -1;
      for (const m of text.matchAll(all)) end = m.index + m[0].length;
      return end >= 0 && IDLE.test(text.slice(end));
    },
    ms,
    `dregsy to be idle after ${after}`,
  );
}

export interface RunningDregsy {
  child: ChildProcess;
  stdout: () => string;
  /** How often `re` has matched the output so far. */
  count: (re: RegExp) => number;
  /** Resolves when the process has ended. */
  result: Promise<CliResult>;
  /** Sends `signal` (default SIGTERM) and waits for the end. */
  stop: (signal?: NodeJS.Signals) => Promise<CliResult>;
}

/** Starts the CLI as a daemon for tests that talk to it while it runs. */
export function startDregsy(args: string[], opts: Omit<RunOptions, 'onSpawn'> = {}): RunningDregsy {
  let child: ChildProcess | undefined;
  let out: () => string = () => '';
  const result = runDregsy(args, {
    ...opts,
    onSpawn: (c, o) => {
      child = c;
      out = o.stdout;
    },
  });
  const stdout = () => out();
  return {
    child: child!,
    stdout,
    count: (re) => (stdout().match(new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`)) ?? []).length,
    result,
    stop: (signal = 'SIGTERM') => {
      if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
      return result;
    },
  };
}

/** Polls `check` until it returns true; rejects after `ms` with `what`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
