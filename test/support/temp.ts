/** Temporary directories and small process helpers shared by the other support files. */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under os.tmpdir(); the caller removes it. */
export function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/**
 * Runs a program (never through a shell: arguments go as an array) and resolves with its
 * stdout. `input` is written to stdin, which is how secrets are passed so they never show
 * up in /proc/PID/cmdline (the e2e secrets test watches every process's argv).
 */
export function runProgram(file: string, args: string[], opts: { cwd?: string; input?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { cwd: opts.cwd, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
    // A program that reads no input (openssl) may have exited before this reaches it: the
    // EPIPE is no failure of the test (its exit code tells), and must not crash the runner.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(opts.input ?? '');
  });
}
