import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from './create-logger.js';
import { Redactor } from './redact.js';

function capture(format: 'text' | 'json', level: 'info' | 'trace' = 'info') {
  const lines: string[] = [];
  const redactor = new Redactor();
  const logger = createLogger({ level, format, color: false, redactor, out: { write: (s: string) => lines.push(s) } });
  return { lines, logger, redactor };
}

test('json format writes one object per line with time, level, task and message', () => {
  const { lines, logger } = capture('json');
  logger.child({ task: 'mirror' }).info('copied', { ref: 'a:1' });
  assert.equal(lines.length, 1);
  const rec = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(rec.level, 'info');
  assert.equal(rec.task, 'mirror');
  assert.equal(rec.message, 'copied');
  assert.equal(rec.ref, 'a:1');
  assert.match(String(rec.time), /^\d{4}-\d\d-\d\dT/);
});

test('text format shows level, task, message and fields', () => {
  const { lines, logger } = capture('text');
  logger.child({ task: 't1' }).warn('slow registry', { ms: 120 });
  assert.match(lines[0]!, /WARN {2}\[t1\] slow registry ms=120\n$/);
});

test('text format escapes control characters a registry put in a name: no terminal codes, no forged line', () => {
  const { lines, logger } = capture('text');
  logger.info('copy app:1\x1b[2J\nINFO  fake line', { tag: 'v1\x07' });
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.trimEnd().split('\n').length, 1);
  assert.ok(!/[\x00-\x08\x0b-\x1f\x7f]/.test(lines[0]!.trimEnd()), lines[0]);
  assert.match(lines[0]!, /copy app:1\\x1b\[2J\\x0aINFO {2}fake line tag=v1\\x07\n$/);
});

test('levels below the threshold are dropped', () => {
  const { lines, logger } = capture('text', 'info');
  logger.debug('hidden');
  logger.trace('hidden');
  assert.equal(lines.length, 0);
});

test('registered secrets are redacted in messages and fields, also JSON-escaped', () => {
  for (const format of ['text', 'json'] as const) {
    const { lines, logger, redactor } = capture(format);
    redactor.add('pa"ss\\word');
    logger.info('login with pa"ss\\word failed', { detail: 'x pa"ss\\word y' });
    assert.equal(lines.length, 1);
    assert.ok(!lines[0]!.includes('pa"ss'), lines[0]);
    assert.ok(!lines[0]!.includes('pa\\"ss'), lines[0]);
    assert.ok(lines[0]!.includes('***'));
  }
});
