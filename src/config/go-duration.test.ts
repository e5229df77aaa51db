import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatGoDuration, nsToMs, parseGoDuration } from './go-duration.js';

const S = 1_000_000_000n;
const H = 3600n * S;

test('Go durations parse as time.ParseDuration does', () => {
  const cases: Array<[string, bigint]> = [
    ['0', 0n],
    ['-0', 0n],
    ['10h', 10n * H],
    ['1h30m', H + 30n * 60n * S],
    ['300ms', 300_000_000n],
    ['1.5h', H + H / 2n],
    ['.5s', S / 2n],
    ['1.s', S],
    ['-1s', -S],
    ['+2m', 120n * S],
    ['1h1m1s1ms1us1ns', H + 60n * S + S + 1_000_000n + 1_000n + 1n],
    ['3\u00b5s', 3_000n],
    ['3\u03bcs', 3_000n],
    ['2562047h47m16.854775807s', (1n << 63n) - 1n],
    ['-2562047h47m16.854775808s', -(1n << 63n)],
  ];
  for (const [text, ns] of cases) assert.deepEqual(parseGoDuration(text), { ok: true, ns }, text);
});

test('invalid Go durations give Go’s messages', () => {
  const cases: Array<[string, string]> = [
    ['', 'time: invalid duration ""'],
    ['-', 'time: invalid duration "-"'],
    ['10', 'time: missing unit in duration "10"'],
    ['10x', 'time: unknown unit "x" in duration "10x"'],
    ['1 h', 'time: unknown unit " h" in duration "1 h"'],
    ['h', 'time: invalid duration "h"'],
    ['.s', 'time: invalid duration ".s"'],
    ['1h-1m', 'time: unknown unit "h-" in duration "1h-1m"'],
    ['2562047h47m16.854775808s', 'time: invalid duration "2562047h47m16.854775808s"'],
  ];
  for (const [text, message] of cases) assert.deepEqual(parseGoDuration(text), { ok: false, message }, text);
});

test('durations convert to milliseconds and print like Go', () => {
  assert.equal(nsToMs(H), 3_600_000);
  assert.equal(nsToMs(1_999_999n), 1);
  assert.equal(formatGoDuration(H), '1h0m0s');
  assert.equal(formatGoDuration(90n * S), '1m30s');
  assert.equal(formatGoDuration(1_500_000_000n), '1.5s');
  assert.equal(formatGoDuration(3_600n), '3.6µs');
  assert.equal(formatGoDuration(-300_000_000n), '-300ms');
  assert.equal(formatGoDuration(0n), '0s');
});
