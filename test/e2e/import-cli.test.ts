/**
 * `dregsy import` as users run it (the built CLI): exit codes (0 complete, 1 something left
 * out, 2 usage or input errors with file:line), warnings on stderr, no credential of the
 * peer's files or command line on stdout or stderr, and every printed config accepted by
 * `dregsy check` (which reads it as `dregsy -config` does; the registries are unreachable
 * here, so check reports them as failed, exit 1, never as an invalid config, exit 2).
 */
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTempDir } from '../support/index.js';
import { repoRoot, runDregsy, writeConfig } from './dregsy-cli.js';

const fixtures = join(repoRoot, 'test/fixtures/import');
let dir: string;
before(async () => {
  dir = await makeTempDir('dregsy-e2e-import-');
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Case {
  name: string;
  args: string[];
  code: number;
  /** Values written in the peer's files or command line that must never be printed. */
  secrets: string[];
}

const CASES: Case[] = [
  { name: 'regsync seed', args: ['--from', 'regsync', 'seeds/regsync.yml'], code: 1, secrets: [] },
  { name: 'regsync every option', args: ['--from', 'regsync', 'regsync/all-options.yml'], code: 1, secrets: ['Inline-Secret-0rg', 'Inline-Token-0rg'] },
  { name: 'skopeo-sync man page', args: ['--from', 'skopeo-sync', 'skopeo-sync/man-page.yml', '--', '--src', 'yaml', '--dest', 'docker', '--all', 'my-registry.local.lan/repo'], code: 0, secrets: ['this is a secret'] },
  {
    name: 'skopeo-sync command line with the file in it',
    args: ['--from', 'skopeo-sync', '--', 'skopeo', 'sync', '--src', 'yaml', '--dest', 'docker', '--dest-creds', 'destuser:Dest-Secret-Pw', 'skopeo-sync/all-options.yml', 'mirror.example.net/base'],
    code: 1,
    secrets: ['Hub-Secret-Pw', 'hubuser', 'Dest-Secret-Pw', 'destuser'],
  },
  { name: 'image-syncer seed', args: ['--from', 'image-syncer', 'seeds/image-syncer-auth.json', 'seeds/image-syncer-images.json'], code: 0, secrets: ['xxxxxxxxx'] },
  { name: 'image-syncer every rule', args: ['--from', 'image-syncer', 'image-syncer/images.yaml', 'image-syncer/auth.yaml', '--', '--retries=3'], code: 1, secrets: ['Coreos-Secret-Pw', 'Ali-Secret-Pw', 'aliuser'] },
  { name: 'picture-book seed', args: ['--from', 'picture-book', 'seeds/picture-book.yaml'], code: 1, secrets: ['testpassword', 'this-is-a-token'] },
];

/** A valid `auth` value for every variable the header asks for (a name that is a registry or a path for the others). */
function envFor(stdout: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of stdout.matchAll(/^# {3}([A-Z_][A-Z0-9_]*): /gm)) {
    const name = m[1]!;
    env[name] = name.startsWith('DREGSY_AUTH_') ? Buffer.from('import-e2e-user:import-e2e-password').toString('base64') : 'example.net';
  }
  return env;
}

describe('dregsy import on the seed examples and the all-options files', () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const r = await runDregsy(['import', ...c.args], { cwd: fixtures });
      assert.equal(r.code, c.code, r.stderr);
      assert.match(r.stdout, /^# dregsy config converted by `dregsy import --from /);
      const dropped = (r.stdout.match(/^# NOT CONVERTED \((\d+)\)/m) ?? [])[1];
      // one warning on stderr per option left out, and exit 1 exactly when there is one
      assert.equal((r.stderr.match(/warning: not converted: /g) ?? []).length, Number(dropped ?? 0));
      assert.equal(c.code === 1, dropped !== undefined);
      for (const s of c.secrets) {
        assert.ok(!r.stdout.includes(s), `'${s}' on stdout`);
        assert.ok(!r.stderr.includes(s), `'${s}' on stderr`);
      }
      const config = await writeConfig(dir, r.stdout, `${c.name.replace(/\W+/g, '-')}.yaml`);
      const check = await runDregsy(['check', `-config=${config}`], { env: { ...envFor(r.stdout), HOME: dir }, timeoutMs: 60_000 });
      assert.notEqual(check.code, 2, check.stderr);
      assert.doesNotMatch(check.stderr, /invalid config/);
    });
  }
});

test('usage errors exit 2: no --from, an unknown format, no file, a missing file', async () => {
  for (const [args, message] of [
    [['import', 'x.yml'], /required option '--from <format>' not specified/],
    [['import', '--from', 'harbor', 'x.yml'], /argument 'harbor' is invalid. Allowed choices are regsync, skopeo-sync, image-syncer, picture-book/],
    [['import', '--from', 'regsync'], /no regsync file given/],
    [['import', '--from', 'regsync', 'missing.yml', 'also-missing.yml'], /cannot read 'missing.yml': no such file or directory\n.*cannot read 'also-missing.yml'/],
  ] as const) {
    const r = await runDregsy([...args], { cwd: dir });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
  }
});

test('a file the peer could not read: every problem with file and line, exit 2, nothing on stdout', async () => {
  const file = join(dir, 'bad-regsync.yml');
  await writeFile(file, 'sync:\n  - source: a\n    target: b\n    type: mirror\n  - source: c\n    target: d\n');
  const r = await runDregsy(['import', '--from', 'regsync', file]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, new RegExp(`${file}:4: sync\\[0\\]\\.type: type must be 'image', 'repository' or 'registry'`));
  assert.match(r.stderr, new RegExp(`${file}:5: sync\\[1\\]\\.type: a sync step needs its type`));
  const skopeo = await runDregsy(['import', '--from', 'skopeo-sync', join(fixtures, 'skopeo-sync/man-page.yml'), '--', '--src', 'yaml', '--dest', 'docker']);
  assert.equal(skopeo.code, 2);
  assert.match(skopeo.stderr, /command line: skopeo sync needs its DESTINATION/);
});

test('--help lists the formats', async () => {
  const r = await runDregsy(['import', '--help']);
  assert.equal(r.code, 0);
  for (const f of ['regsync', 'skopeo-sync', 'image-syncer', 'picture-book']) assert.match(r.stdout, new RegExp(`^  ${f} `, 'm'));
});
