import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MIN_SECRET_LENGTH, REDACTED, Redactor } from './redact.js';

test('secrets are masked in every form; the longest first', () => {
  const r = new Redactor();
  r.add('pass"word', 'user:pass"word');
  assert.equal(r.redact('a user:pass"word b pass"word c {"p":"pass\\"word"}'), `a ${REDACTED} b ${REDACTED} c {"p":"${REDACTED}"}`);
});

test(`values shorter than ${MIN_SECRET_LENGTH} characters are not masked: they would garble ordinary words`, () => {
  const r = new Redactor();
  r.add('e', 'ab', 'xyz', 'u:e');
  assert.equal(r.redact('task run started: xyz abc u:e'), 'task run started: xyz abc u:e');
  r.add('long');
  assert.equal(r.redact('a longer line'), `a ${REDACTED}er line`);
});
