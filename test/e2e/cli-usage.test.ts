/** The command line as users type it: Go-style flags, help, version, usage errors (exit 2). */
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { makeTempDir } from '../support/index.js';
import { repoRoot, runDregsy, writeConfig } from './dregsy-cli.js';

let dir: string;
let okConfig: string;
before(async () => {
  dir = await makeTempDir('dregsy-e2e-cli-');
  // Tasks that need no registry at all: mappings are empty, so a run copies nothing.
  okConfig = await writeConfig(
    dir,
    `
tasks:
  - name: task-a
    source: { registry: 127.0.0.1:1 }
    target: { registry: 127.0.0.1:2 }
  - name: task-abc
    source: { registry: 127.0.0.1:1 }
    target: { registry: 127.0.0.1:2 }
`,
  );
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('--version prints the package version', async () => {
  const pkg = JSON.parse(await readFile(`${repoRoot}/package.json`, 'utf8')) as { version: string };
  for (const flag of ['--version', '-version']) {
    const r = await runDregsy([flag]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), pkg.version);
  }
});

test('--help shows the synopsis and exits 0', async () => {
  const r = await runDregsy(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /-config=FILE/);
  assert.match(r.stdout, /--run <regex>/);
});

test('missing -config: synopsis on stderr, exit 2', async () => {
  const r = await runDregsy([]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /missing -config/);
  assert.match(r.stderr, /synopsis: dregsy -config=\{config file\}/);
});

test('an unknown flag is a usage error, exit 2, no stack trace', async () => {
  const r = await runDregsy(['-config=x.yaml', '--bogus']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown option '--bogus'/);
  assert.doesNotMatch(r.stderr, /\bat .*:\d+:\d+/);
});

test('a missing config file is reported with its name, exit 2', async () => {
  const r = await runDregsy([`-config=${dir}/nope.yaml`]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /error loading config file '.*nope\.yaml'/);
});

test('Go-style, double-dash and short flags all work', async () => {
  for (const args of [[`-config=${okConfig}`], ['-config', okConfig], [`--config=${okConfig}`], ['-c', okConfig]]) {
    const r = await runDregsy(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /\[task-a\] task run started/);
  }
});

test('-run is full-line anchored: task-a does not select task-abc; ! inverts', async () => {
  const only = await runDregsy([`-config=${okConfig}`, '-run=task-a']);
  assert.equal(only.code, 0);
  assert.match(only.stdout, /\[task-a\] task run started/);
  assert.doesNotMatch(only.stdout, /\[task-abc\]/);
  const inverted = await runDregsy([`-config=${okConfig}`, '-run', '!task-a']);
  assert.match(inverted.stdout, /\[task-abc\] task run started/);
  assert.doesNotMatch(inverted.stdout, /\[task-a\]/);
  const none = await runDregsy([`-config=${okConfig}`, '-run=nothing']);
  assert.equal(none.code, 0);
  assert.match(none.stdout, /no task matches -run 'nothing'/);
});

test('an invalid -run regex is a usage error, exit 2', async () => {
  const r = await runDregsy([`-config=${okConfig}`, '-run=task-(']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /invalid task filter/);
});

test('LOG_FORMAT=json writes one JSON object per line with time, level, task, message', async () => {
  const r = await runDregsy([`-config=${okConfig}`, '-run=task-a'], { env: { LOG_FORMAT: 'json' } });
  assert.equal(r.code, 0);
  const records = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const started = records.find((rec) => rec.message === 'task run started');
  assert.ok(started, r.stdout);
  assert.equal(started.task, 'task-a');
  assert.equal(started.level, 'info');
  assert.match(String(started.time), /^\d{4}-/);
});

test('LOG_LEVEL=error hides info lines', async () => {
  const r = await runDregsy([`-config=${okConfig}`], { env: { LOG_LEVEL: 'error' } });
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim(), '');
});
