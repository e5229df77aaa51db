import assert from 'node:assert/strict';
import { test } from 'node:test';
import { yamlBoolValue, yamlDuration, yamlInt64, yamlNumber } from './yaml-scalar.js';

test('integers read as yaml.v2 reads them into a Go int', () => {
  const cases: Array<[string, bigint | undefined]> = [
    ['60', 60n],
    ['-5', -5n],
    ['+7', 7n],
    ['1_000', 1000n],
    ['0x3C', 60n],
    ['0o17', 15n],
    ['017', 15n], // Go's base-0 ParseInt: a leading 0 is octal
    ['0b101', 5n],
    ['08', 8n], // not octal, but a YAML float
    ['45.9', 45n], // a float is truncated
    ['1e3', 1000n],
    ['.5', 0n],
    ['abc', undefined],
    ['60s', undefined],
    ['', undefined],
    ['.inf', undefined],
    ['9223372036854775808', undefined],
  ];
  for (const [text, value] of cases) assert.equal(yamlInt64(text), value, text);
  assert.deepEqual(yamlNumber('1.30'), { kind: 'float', value: 1.3 });
  assert.equal(yamlNumber('1.2.3'), undefined);
});

test('YAML 1.1 booleans', () => {
  for (const t of ['true', 'yes', 'Yes', 'on', 'ON', 'y']) assert.equal(yamlBoolValue(t), true, t);
  for (const f of ['false', 'no', 'off', 'Off', 'n']) assert.equal(yamlBoolValue(f), false, f);
  assert.equal(yamlBoolValue('maybe'), undefined);
  assert.equal(yamlBoolValue('1'), undefined);
});

test('durations: a Go duration string, or a bare number of nanoseconds', () => {
  assert.deepEqual(yamlDuration('10h'), { ok: true, ns: 36_000_000_000_000n, fromNumber: false });
  assert.deepEqual(yamlDuration('-1'), { ok: true, ns: -1n, fromNumber: true });
  assert.deepEqual(yamlDuration('3600'), { ok: true, ns: 3600n, fromNumber: true });
  assert.deepEqual(yamlDuration('10x'), { ok: false, message: 'time: unknown unit "x" in duration "10x"' });
});
