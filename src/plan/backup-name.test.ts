import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backupTagName, namesPerImage, parseBackupTemplate, type BackupTemplate } from './backup-name.js';

const digest = `sha256:${'ab'.repeat(32)}`;
const now = new Date('2026-03-04T05:06:07.890Z');

function template(text: string): BackupTemplate {
  const parsed = parseBackupTemplate(text);
  assert.ok(parsed.ok, `${text}: ${parsed.ok ? '' : parsed.message}`);
  return parsed.value;
}

test('a backup name renders each field: tag, UTC date and time, digest hex and its first 12 digits', () => {
  const cases: Array<[string, string]> = [
    ['{{.Tag}}-backup', 'v1-backup'],
    ['backup-{{.Tag}}-{{.Date}}', 'backup-v1-20260304'],
    ['{{.Tag}}.{{.Date}}{{.Time}}', 'v1.20260304050607'],
    ['{{ .Tag }}_{{.ShortDigest}}', `v1_${'ab'.repeat(6)}`],
    ['old-{{.Digest}}', `old-${'ab'.repeat(32)}`],
    ['previous', 'previous'],
  ];
  for (const [text, expected] of cases) {
    const name = backupTagName(template(text), { tag: 'v1', digest, now });
    assert.deepEqual(name, { ok: true, value: expected }, text);
  }
});

test('templates that cannot make a tag are refused at load, each with the reason', () => {
  const cases: Array<[string, RegExp]> = [
    ['{{.Tag}}', /the tag itself/],
    ['{{.Ref.Tag}}-old', /not a field/],
    ['{{.Name}}-old', /unknown field \{\{\.Name\}\}/],
    ['{{.Tag}}:old', /':old' cannot be part of a tag/],
    ['{{.Tag}}/old', /cannot be part of a tag/],
    ['-{{.Tag}}', /does not make a valid tag/],
    ['{{.Tag', /not a field/],
    ['${tag}-old', /cannot be part of a tag/],
  ];
  for (const [text, expected] of cases) {
    const parsed = parseBackupTemplate(text);
    assert.equal(parsed.ok, false, text);
    assert.match(parsed.ok ? '' : parsed.message, expected, text);
  }
});

test('a name past 128 characters, or equal to the tag, is no backup name', () => {
  const long = backupTagName(template('{{.Tag}}-{{.Digest}}'), { tag: 'x'.repeat(70), digest, now });
  assert.equal(long.ok, false);
  assert.match(long.ok ? '' : long.message, /no valid tag/);
  const same = backupTagName(template('previous'), { tag: 'previous', digest, now });
  assert.equal(same.ok, false);
});

test('a name without tag or digest is shared by every tag of a mapping', () => {
  assert.equal(namesPerImage(template('previous-{{.Date}}')), false);
  assert.equal(namesPerImage(template('{{.Tag}}-old')), true);
  assert.equal(namesPerImage(template('old-{{.ShortDigest}}')), true);
});
