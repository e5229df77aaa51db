import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../log/logger.js';
import { startLifecycle } from './lifecycle.js';
import { run } from './main.js';
import type { CliIo } from './run-sync.js';

/** The CLI with a standard output that fails on write (a bug's stand-in: nothing of ours expects it). */
async function runWithBrokenStdout(env: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), 'dregsy-main-test-'));
  const file = join(dir, 'config.yaml');
  await writeFile(file, 'tasks:\n  - name: t\n    source: { registry: 127.0.0.1:1 }\n    target: { registry: 127.0.0.1:2 }\n    mappings: [{ from: a, to: b }]\n');
  const events = new EventEmitter();
  const lifecycle = startLifecycle({ on: (e, l) => events.on(e, l), off: (e, l) => events.off(e, l), exit: () => undefined, setExitCode: () => undefined, stderr: () => undefined, outputPending: () => false }, silentLogger());
  let stderr = '';
  const io: CliIo = {
    stdout: {
      write() {
        throw new TypeError('cannot write to a closed stream');
      },
    },
    stderr: { write: (s: string) => (stderr += s) },
    env: { TMPDIR: dir, ...env },
    onSignal: (s, h) => lifecycle.onSignal(s, h),
    lifecycle,
  };
  try {
    const code = await run([`-config=${file}`], io);
    return { code, stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('an unexpected error is one line on stderr, exit code 1, no trace', async () => {
  const { code, stderr } = await runWithBrokenStdout({ LOG_LEVEL: 'nonsense' }); // its warning is the first write
  assert.equal(code, 1);
  assert.equal(stderr, 'dregsy: unexpected error: cannot write to a closed stream. This is a bug in dregsy, please report it; LOG_LEVEL=debug shows where it happened\n');
});

test('at LOG_LEVEL=debug the trace follows, in terms of the sources', async () => {
  const { code, stderr } = await runWithBrokenStdout({ LOG_LEVEL: 'debug' });
  assert.equal(code, 1);
  const [line, ...trace] = stderr.trimEnd().split('\n');
  assert.match(line ?? '', /^dregsy: unexpected error: cannot write to a closed stream\./);
  assert.equal(trace[0], 'TypeError: cannot write to a closed stream');
  assert.match(trace.join('\n'), /src\/cli\/main\.test\.ts:\d+:\d+/);
});
