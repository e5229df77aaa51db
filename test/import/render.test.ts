/** The renderer: header sections, comments where they belong, `${` escaped unless it is ours. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { parseConfigText } from '../../src/config/load.js';
import { ImportBuilder, type DraftConfig, type DraftTask } from '../../src/import/import-result.js';
import { dropWarnings, renderImport } from '../../src/import/render-yaml.js';

test('a literal ${ in a value is written as $${, the import\'s own references stay references', () => {
  const b = new ImportBuilder('regsync', ['in.yml']);
  const auth = b.secretEnv('DREGSY_AUTH_reg.example:5000', 'cred 1', { holds: 'base64 of user:password', from: [{ file: 'in.yml', line: 3, path: 'creds[0].user' }] });
  const task: DraftTask = {
    name: 't',
    source: { registry: 'reg.example:5000', auth },
    target: { registry: 'other.example' },
    mappings: [{ from: 'app', to: `${b.peerEnv('NS', 'a namespace', { file: 'in.yml', path: 'x' })}/app`, tags: ['regex: v${1}'] }, { from: 'lit', to: 'lit', tags: ['v${HOME}'] }],
  };
  const config: DraftConfig = { relay: 'skopeo', tasks: [task] };
  b.comment(task, 'a task comment');
  b.comment(task.source, 'where the credential came from', 'auth');
  b.drop({ file: 'in.yml', line: 9, path: 'sync[0].backup' }, 'no backups yet');
  b.note('a note');
  const text = renderImport(b.result(config));
  assert.equal(auth, '${DREGSY_AUTH_REG_EXAMPLE_5000}');
  const lines = text.split('\n');
  const at = (s: string) => lines.findIndex((l) => l.includes(s));
  assert.ok(at('# NOT CONVERTED (1)') < at('# SET THESE ENVIRONMENT VARIABLES'));
  assert.ok(at('#   - in.yml:9: sync[0].backup: no backups yet') > 0);
  assert.ok(at('#   DREGSY_AUTH_REG_EXAMPLE_5000: base64 of user:password; from in.yml:3: creds[0].user') > 0);
  assert.ok(at('# a task comment') === at('- name: t') - 1);
  assert.ok(at('# where the credential came from') === at('auth: ${DREGSY_AUTH_REG_EXAMPLE_5000}') - 1);
  // dregsy's regexes keep their ${1} as written (never expanded); a literal elsewhere is escaped
  assert.deepEqual((parse(text) as DraftConfig).tasks?.[0]?.mappings?.[0]?.tags, ['regex: v${1}']);
  assert.deepEqual((parse(text) as DraftConfig).tasks?.[0]?.mappings?.[1]?.tags, ['v$${HOME}']);
  // dregsy reads it back with the variables set and the literal restored
  const loaded = parseConfigText(text, 'out.yaml', { DREGSY_AUTH_REG_EXAMPLE_5000: Buffer.from('u1:p1').toString('base64'), NS: 'team' });
  assert.equal(loaded.config.tasks?.[0]?.mappings?.[0]?.to, 'team/app');
  assert.deepEqual(loaded.config.tasks?.[0]?.mappings?.[0]?.tags, ['regex: v${1}']);
  assert.deepEqual(loaded.config.tasks?.[0]?.mappings?.[1]?.tags, ['v${HOME}']);
  assert.equal(loaded.config.tasks?.[0]?.source.auth, Buffer.from('u1:p1').toString('base64'));
});

test('one credential, one variable; another credential with the same name gets a number', () => {
  const b = new ImportBuilder('x', []);
  const spec = { holds: 'h', from: [] };
  assert.equal(b.secretEnv('DREGSY_AUTH_quay.io', 'a', spec), '${DREGSY_AUTH_QUAY_IO}');
  assert.equal(b.secretEnv('DREGSY_AUTH_quay.io', 'a', spec), '${DREGSY_AUTH_QUAY_IO}');
  assert.equal(b.secretEnv('DREGSY_AUTH_quay.io', 'b', spec), '${DREGSY_AUTH_QUAY_IO_2}');
});

test("a peer's value with a line break or a terminal control cannot add lines to the output or reach the terminal", () => {
  const b = new ImportBuilder('skopeo-sync', ['s.yml']);
  const task: DraftTask = { name: 't', source: { registry: 'a.example' }, target: { registry: 'b.example' }, mappings: [] };
  b.drop({ file: 's.yml', line: 3, path: 'x' }, "'v1\nrelay: docker\u001b[2J' is neither a tag nor a digest");
  b.comment(task, 'from\nrelay: docker');
  const r = b.result({ tasks: [task] });
  const text = renderImport(r);
  assert.doesNotMatch(text, /[\u0000-\u0008\u000b-\u001f\u007f]/);
  assert.deepEqual(Object.keys(parse(text) as object), ['tasks']);
  assert.match(text, /'v1\\x0arelay: docker\\x1b\[2J' is neither/);
  assert.doesNotMatch(dropWarnings(r).join(''), /[\n\u001b]/);
});
