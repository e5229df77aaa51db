import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Verdict } from './policy.js';
import { giveUpNote, retrying, WHOLE_OP_ATTEMPTS_FACTOR, type GiveUp } from './retry.js';

class Failure extends Error {
  constructor(readonly verdict: Verdict) {
    super(verdict.retry ? verdict.why : 'permanent');
  }
}
const classify = (e: unknown): Verdict => (e instanceof Failure ? e.verdict : { retry: false });
const policy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 };

/** Runs `outcomes` (an error to throw, or a value) one per attempt; records the waits. */
async function run(outcomes: Array<Failure | string>, mayRetry?: () => boolean, stepOf?: (e: unknown) => string) {
  const waits: number[] = [];
  let given: GiveUp | undefined;
  let attempts = 0;
  const result = await retrying(
    async () => {
      const o = outcomes[attempts++]!;
      if (o instanceof Failure) throw o;
      return o;
    },
    {
      policy,
      classify,
      random: () => 0.5,
      sleep: async (ms) => void waits.push(ms),
      onGiveUp: (e, why) => ((given = why), e),
      ...(mayRetry ? { mayRetry } : {}),
      ...(stepOf ? { stepOf } : {}),
    },
  ).catch((e: unknown) => e);
  return { result, waits, attempts, given };
}

const transient = new Failure({ retry: true, why: 'HTTP 503' });

test('transient failures are retried with growing waits until one succeeds', async () => {
  const r = await run([transient, transient, 'ok']);
  assert.equal(r.result, 'ok');
  assert.deepEqual(r.waits, [55, 110]);
});

test('a permanent failure is thrown at once', async () => {
  const r = await run([new Failure({ retry: false }), 'never']);
  assert.equal(r.attempts, 1);
  assert.deepEqual(r.given, { kind: 'permanent', attempts: 1 });
});

test('after the last attempt the last error is thrown, saying how many it took', async () => {
  const r = await run([transient, transient, transient, transient, 'never']);
  assert.equal(r.attempts, 4);
  assert.equal(r.result, transient);
  assert.deepEqual(r.given, { kind: 'attempts', attempts: 4, why: 'HTTP 503' });
  assert.equal(giveUpNote(r.given!), ' (gave up after 4 attempts)');
});

test('Retry-After is honoured; one beyond the max delay ends the loop', async () => {
  const r = await run([new Failure({ retry: true, why: '429', afterMs: 300 }), new Failure({ retry: true, why: '429', afterMs: 5_000 }), 'never']);
  assert.equal(r.waits.length, 1);
  assert.ok(r.waits[0]! >= 300 && r.waits[0]! <= 320);
  assert.equal(r.given?.kind, 'retry-after');
});

test('a spent budget ends the loop at the first failure', async () => {
  const r = await run([transient, 'never'], () => false);
  assert.equal(r.attempts, 1);
  assert.equal(r.given?.kind, 'budget');
});

test('an abort during the wait ends the loop at once', async () => {
  const controller = new AbortController();
  const started = Date.now();
  const pending = retrying(
    async () => {
      controller.abort();
      throw transient;
    },
    { policy: { ...policy, baseDelayMs: 60_000, maxDelayMs: 60_000 }, classify, signal: controller.signal },
  );
  await assert.rejects(pending);
  assert.ok(Date.now() - started < 1_000);
});

/** A whole op (a skopeo process) failing at a named step. */
const at = (step: string) => new Failure({ retry: true, why: step });
const stepOf = (e: unknown) => (e instanceof Failure && e.verdict.retry ? e.verdict.why : '');

test('an op tried as a whole: the attempts bound the failures at each step, not the tries in all', async () => {
  // 4 attempts: 3 failures at the ping and 3 at the manifest are 7 tries, all allowed.
  const r = await run([at('ping'), at('manifest'), at('ping'), at('manifest'), at('ping'), at('manifest'), 'ok'], undefined, stepOf);
  assert.equal(r.result, 'ok');
  assert.equal(r.attempts, 7);
  // Each step backs off on its own: 1st, 1st, 2nd, 2nd, 3rd, 3rd retry of its step.
  assert.deepEqual(r.waits, [55, 55, 110, 110, 220, 220]);
  // Without steps, the same failures end at the 4th try.
  const whole = await run([at('ping'), at('manifest'), at('ping'), at('manifest'), 'ok']);
  assert.deepEqual(whole.given, { kind: 'attempts', attempts: 4, why: 'manifest' });
});

test('an op tried as a whole: one step failing as often as the attempts ends it', async () => {
  const r = await run([at('ping'), at('manifest'), at('ping'), at('ping'), at('ping'), 'never'], undefined, stepOf);
  assert.equal(r.attempts, 5);
  assert.deepEqual(r.given, { kind: 'attempts', attempts: 5, why: 'ping' });
});

test(`an op tried as a whole is tried at most ${WHOLE_OP_ATTEMPTS_FACTOR} times the attempts`, async () => {
  const steps = Array.from({ length: 40 }, (_, i) => at(`step ${i}`));
  const r = await run([...steps, 'never'], undefined, stepOf);
  assert.equal(r.attempts, policy.attempts * WHOLE_OP_ATTEMPTS_FACTOR);
  assert.equal(r.given?.kind, 'attempts');
});

test('an op tried as a whole still stops when the budget is spent', async () => {
  let left = 2;
  const r = await run([at('a'), at('b'), at('c'), 'never'], () => left-- > 0, stepOf);
  assert.equal(r.attempts, 3);
  assert.equal(r.given?.kind, 'budget');
});
