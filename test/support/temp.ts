/** Temporary directories and small process helpers shared by the other support files. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under os.tmpdir(); the caller removes it. */
export function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** What a program started by a test may take from the test run's environment: nothing that names credentials or proxies. */
const PASSED_THROUGH = ['PATH', 'TMPDIR', 'LANG', 'LC_ALL', 'TZ'];

let emptyHome: string | undefined;
/** One empty HOME for every program this test process starts, removed when it exits. */
function emptyHomeDir(): string {
  if (emptyHome === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'dregsy-test-home-'));
    emptyHome = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return emptyHome;
}

/**
 * The environment for a program a test starts (dregsy, skopeo): never the developer's own
 * HOME, docker config, cloud credentials or proxies (a `credsStore` or an AWS profile there
 * must not change a result), only PATH and locale, an empty HOME, and `extra` (`undefined`
 * removes a variable).
 */
export function hermeticEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = { HOME: emptyHomeDir() };
  for (const name of PASSED_THROUGH) env[name] = process.env[name];
  Object.assign(env, extra);
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/**
 * Runs a program (never through a shell: arguments go as an array, in `hermeticEnv()`) and
 * resolves with its stdout. `input` is written to stdin, which is how secrets are passed so they never show
 * up in /proc/PID/cmdline (the e2e secrets test watches every process's argv).
 */
export function runProgram(file: string, args: string[], opts: { cwd?: string; input?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { cwd: opts.cwd, env: hermeticEnv(), maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
    // A program that reads no input (openssl) may have exited before this reaches it: the
    // EPIPE is no failure of the test (its exit code tells), and must not crash the runner.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(opts.input ?? '');
  });
}
