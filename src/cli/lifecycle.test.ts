import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { test } from 'node:test';
import { startLifecycle, type LogPort, type ProcessPort } from './lifecycle.js';

/** `process` as an EventEmitter: exit() records the code and emits 'exit' as Node does, without exiting. */
function fakeProcess() {
  const events = new EventEmitter();
  const exits: number[] = [];
  const stderr: string[] = [];
  let exitCode: number | undefined;
  const port: ProcessPort = {
    on: (e, l) => events.on(e, l),
    off: (e, l) => events.off(e, l),
    exit(code) {
      exits.push(code);
      events.emit('exit', code);
      events.emit('exited');
    },
    setExitCode: (code) => void (exitCode = code),
    stderr: (text) => void stderr.push(text),
    outputPending: () => false,
  };
  return { events, port, exits, stderr, exitCode: () => exitCode };
}

function recordingLogger(debug = false): LogPort & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string) => void lines.push(`${level}: ${message}`);
  return { lines, info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug'), isLevelEnabled: (l) => debug || l !== 'debug' };
}

/** Keeps the event loop alive while a test waits for an unref'd timer of the lifecycle. */
async function withinMs<T>(ms: number, work: Promise<T>): Promise<T> {
  const guard = setTimeout(() => undefined, ms);
  try {
    return await work;
  } finally {
    clearTimeout(guard);
  }
}

test('an uncaught exception: one line on stderr, emergency then exit hooks, exit code 1', () => {
  const p = fakeProcess();
  const order: string[] = [];
  const lc = startLifecycle(p.port, recordingLogger());
  lc.onEmergency(() => order.push('report'));
  lc.onExit(() => order.push('remove authfiles'));
  p.events.emit('uncaughtException', new TypeError("Cannot read properties of undefined (reading 'x')\nsecond line"));
  assert.deepEqual(p.exits, [1]);
  assert.deepEqual(order, ['report', 'remove authfiles']);
  assert.equal(p.stderr.length, 1, 'no trace without debug');
  assert.match(p.stderr[0]!, /^dregsy: unexpected error: Cannot read properties of undefined \(reading 'x'\)\. This is a bug/);
  assert.doesNotMatch(p.stderr[0]!, /second line/);
  // a second failure while exiting changes nothing
  p.events.emit('unhandledRejection', new Error('again'));
  assert.deepEqual(p.exits, [1]);
});

test('at debug level the trace follows the line; a rejection with a non-Error reason is one line too', () => {
  const p = fakeProcess();
  const lc = startLifecycle(p.port, recordingLogger());
  lc.useLogger(recordingLogger(true));
  p.events.emit('unhandledRejection', new Error('boom'));
  assert.match(p.stderr[0]!, /^dregsy: unexpected error \(unhandled rejection\): boom\./);
  assert.match(p.stderr[1]!, /^Error: boom\n\s+at .*lifecycle\.test\.ts:\d+:\d+/);

  const q = fakeProcess();
  startLifecycle(q.port, recordingLogger());
  q.events.emit('unhandledRejection', 'plain string');
  assert.deepEqual(q.stderr, ["dregsy: unexpected error (unhandled rejection): plain string. This is a bug in dregsy, please report it; LOG_LEVEL=debug shows where it happened\n"]);
});

test('a hook that throws does not keep the other hooks from running', () => {
  const p = fakeProcess();
  const lc = startLifecycle(p.port, recordingLogger());
  const ran: string[] = [];
  lc.onExit(() => {
    throw new Error('disk gone');
  });
  lc.onExit(() => ran.push('second'));
  const off = lc.onExit(() => ran.push('removed'));
  off();
  p.events.emit('uncaughtException', new Error('x'));
  assert.deepEqual(ran, ['second']);
});

test('signal notices go to the logger of the moment', () => {
  const p = fakeProcess();
  const boot = recordingLogger();
  const lc = startLifecycle(p.port, boot);
  const run = recordingLogger();
  const undo = lc.useLogger(run);
  p.events.emit('SIGHUP');
  undo();
  p.events.emit('SIGHUP');
  assert.deepEqual(run.lines, ['info: received SIGHUP: ignored, nothing to reload']);
  assert.deepEqual(boot.lines, ['info: received SIGHUP: ignored, nothing to reload']);
});

test('the shutdown deadline: a process still running that long after SIGTERM exits with 1', async () => {
  const p = fakeProcess();
  const log = recordingLogger();
  const lc = startLifecycle(p.port, log);
  lc.setShutdownDeadline(50);
  let removed = false;
  lc.onExit(() => void (removed = true));
  lc.onSignal('SIGTERM', () => undefined); // a daemon that never ends
  const started = Date.now();
  p.events.emit('SIGTERM');
  await withinMs(10_000, once(p.events, 'exited'));
  assert.ok(Date.now() - started >= 45);
  assert.deepEqual(p.exits, [1]);
  assert.ok(removed);
  assert.deepEqual(log.lines, ['error: still running 0s after SIGTERM: exiting now']);
});

test('signals the launcher kept are handled first', () => {
  const p = fakeProcess();
  const lc = startLifecycle(p.port, recordingLogger(), ['SIGTERM']);
  assert.equal(lc.stop.aborted, true);
});

test('finish() sets the exit code, and exits anyway when something holds the event loop', async () => {
  const p = fakeProcess();
  const lc = startLifecycle(p.port, recordingLogger());
  lc.finish(2);
  assert.equal(p.exitCode(), 2);
  assert.deepEqual(p.exits, []);
  await withinMs(10_000, once(p.events, 'exited'));
  assert.deepEqual(p.exits, [2]);
});

test('after a SIGTERM, finish() exits as soon as the output is out', async () => {
  const p = fakeProcess();
  const lc = startLifecycle(p.port, recordingLogger());
  p.events.emit('SIGTERM');
  const started = Date.now();
  lc.finish(1);
  await withinMs(10_000, once(p.events, 'exited'));
  assert.ok(Date.now() - started < 1_000);
  assert.deepEqual(p.exits, [1]);
});
