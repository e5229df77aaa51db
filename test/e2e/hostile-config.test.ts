/**
 * Config input that is not a config: the built CLI refuses it at once with exit 2 and a
 * message that names the file and never echoes its bytes. Before, a 60 MB file ran out of
 * memory, /dev/urandom took 12 s, a FIFO hung for ever and binary bytes were printed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTempDir } from '../support/index.js';
import { runDregsy, writeConfig } from './dregsy-cli.js';

let dir: string;
before(async () => {
  dir = await makeTempDir('dregsy-e2e-hostile-');
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const TASK = `relay: skopeo
tasks:
  - name: t
    source: { registry: 127.0.0.1:1 }
    target: { registry: 127.0.0.1:2 }
    mappings: [{ from: a }]
`;

/** Exit 2 well within `ms`, the reason on stderr, nothing run, no stack trace. */
async function assertRefused(args: string[], reason: RegExp, ms = 15_000): Promise<string> {
  const started = Date.now();
  const r = await runDregsy(args, { timeoutMs: ms });
  assert.equal(r.signal, null, `killed after ${ms} ms: it hung`);
  assert.equal(r.code, 2, `${r.stdout}${r.stderr}`);
  assert.match(r.stderr, reason);
  assert.doesNotMatch(`${r.stdout}${r.stderr}`, /task run started|\n\s+at /);
  assert.ok(Date.now() - started < ms);
  return r.stderr;
}

function mkfifo(path: string): void {
  execFileSync('mkfifo', [path]);
}

describe('the config file itself', () => {
  test('a FIFO is refused at once, not waited on for ever', async () => {
    const fifo = join(dir, 'config.fifo');
    mkfifo(fifo);
    await assertRefused([`-config=${fifo}`], /config\.fifo: error loading config file '.*': is a FIFO \(named pipe\), not a regular file/);
  });

  test('a device is refused before a byte is read', async () => {
    await assertRefused(['-config=/dev/urandom'], /error loading config file '\/dev\/urandom': is a device, not a regular file/, 10_000);
  });

  test('a file larger than 4 MiB is refused, whatever it holds', async () => {
    const file = await writeConfig(dir, `${TASK}# ${'x'.repeat(4 * 1024 * 1024)}\n`, 'huge.yaml');
    await assertRefused([`-config=${file}`], /is larger than 4 MiB, the most this file may hold/);
  });

  test('nesting no config has is refused before the YAML parser spends minutes on it', async () => {
    const file = await writeConfig(dir, `tasks:\n${'- '.repeat(2_000_000)}x\n`, 'nested.yaml');
    await assertRefused([`-config=${file}`], /nested\.yaml:2: the YAML nests deeper than 200 levels/);
  });

  test('binary content is refused with where, and its bytes are not echoed', async () => {
    const file = join(dir, 'binary.yaml');
    const bytes = Buffer.from([...Buffer.from('tasks:\n  - name: '), 0xc3, 0x28, 0x1b, 0x5b, 0x32, 0x4a, 0x00, 0x07]);
    await writeFile(file, bytes);
    const stderr = await assertRefused([`-config=${file}`], /is not UTF-8 text \(invalid byte at offset 17\)/);
    assert.doesNotMatch(stderr, /[\x00-\x08\x1b]/);
  });

  test('a control character in UTF-8 text is refused with its line', async () => {
    const file = await writeConfig(dir, `${TASK}    tags: ["\x1b[2Jx"]\n`, 'escape.yaml');
    const stderr = await assertRefused([`-config=${file}`], /is not a text file \(control character 0x1b on line 7\)/);
    assert.doesNotMatch(stderr, /\x1b/);
  });

  test('an empty file is an error, not a run that does nothing', async () => {
    const file = await writeConfig(dir, '\n  \n', 'empty.yaml');
    await assertRefused([`-config=${file}`], /the config file is empty: it needs a list of 'tasks'/);
  });

  test('a config without tasks is an error', async () => {
    const file = await writeConfig(dir, 'relay: skopeo\ntaks:\n  - name: t\n', 'no-tasks.yaml');
    await assertRefused([`-config=${file}`], /no-tasks\.yaml: tasks: no 'tasks' in the config: there is nothing to sync/);
  });
});

describe('auth-file', () => {
  test('a FIFO as auth-file is a config error with its path and line', async () => {
    const fifo = join(dir, 'auth.fifo');
    mkfifo(fifo);
    const file = await writeConfig(dir, TASK.replace('registry: 127.0.0.1:1 }', 'registry: 127.0.0.1:1, auth-file: auth.fifo }'), 'fifo-auth.yaml');
    await assertRefused([`-config=${file}`], /fifo-auth\.yaml:4: tasks\[0\]\.source\.auth-file: cannot use auth-file '.*auth\.fifo': it is a FIFO \(named pipe\), not a regular file/);
  });

  test('a device or a folder as auth-file is a config error too', async () => {
    await mkdir(join(dir, 'secret-dir'), { recursive: true });
    const file = await writeConfig(
      dir,
      TASK.replace('registry: 127.0.0.1:1 }', 'registry: 127.0.0.1:1, auth-file: /dev/zero }').replace(
        'registry: 127.0.0.1:2 }',
        'registry: 127.0.0.1:2, auth-file: secret-dir }',
      ),
      'device-auth.yaml',
    );
    const stderr = await assertRefused([`-config=${file}`], /:4: tasks\[0\]\.source\.auth-file: cannot use auth-file '\/dev\/zero': it is a device/);
    assert.match(stderr, /:5: tasks\[0\]\.target\.auth-file: cannot use auth-file '.*secret-dir': it is a directory/);
  });
});

describe('names that can never work', () => {
  test('credentials inside a registry name: a config error that does not repeat them', async () => {
    const file = await writeConfig(dir, TASK.replace('registry: 127.0.0.1:1 }', 'registry: "bob:s3cret@127.0.0.1:1" }'), 'creds.yaml');
    const stderr = await assertRefused([`-config=${file}`], /creds\.yaml:4: tasks\[0\]\.source\.registry: a registry is 'host\[:port\]', without credentials/);
    assert.doesNotMatch(stderr, /s3cret/);
  });

  test('an upper-case target repository: a config error at its mapping', async () => {
    const file = await writeConfig(dir, TASK.replace('{ from: a }', '{ from: a, to: Team/App }'), 'upper.yaml');
    await assertRefused([`-config=${file}`], /upper\.yaml:6: tasks\[0\]\.mappings\[0\]\.to: target repository 'Team\/App' has upper-case letters/);
  });
});
