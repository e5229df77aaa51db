import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { readAuthFile } from '../auth/read-auth-file.js';
import { readTextFile, TextFileError, textProblem, unreadableKind } from './read-text-file.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dregsy-read-text-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function reason(path: string, maxBytes = 1024): Promise<string> {
  try {
    await readTextFile(path, { maxBytes });
  } catch (e) {
    assert.ok(e instanceof TextFileError);
    return e.reason;
  }
  return 'read';
}

describe('textProblem', () => {
  const cases: [name: string, bytes: number[] | string, expected: string | undefined][] = [
    ['plain YAML', 'tasks:\n  - name: t\r\n\tx: 1\n', undefined],
    ['UTF-8 beyond ASCII', 'name: café 😀\n', undefined],
    ['a UTF-8 byte order mark', [0xef, 0xbb, 0xbf, 0x61], undefined],
    ['NUL', [0x61, 0x0a, 0x62, 0x00], 'is not a text file (control character 0x00 on line 2)'],
    ['an escape sequence', 'a: "\x1b[2J"', 'is not a text file (control character 0x1b on line 1)'],
    ['DEL', 'a\x7f', 'is not a text file (control character 0x7f on line 1)'],
    ['a broken sequence points at its start', [0x61, 0x62, 0xc3, 0x28], 'is not UTF-8 text (invalid byte at offset 2)'],
    ['a lone continuation byte', [0x61, 0x80], 'is not UTF-8 text (invalid byte at offset 1)'],
    ['a sequence cut at the end', [0x61, 0xe2, 0x82], 'is not UTF-8 text (invalid byte at offset 1)'],
    ['an encoded surrogate', [0xed, 0xa0, 0x80], 'is not UTF-8 text (invalid byte at offset 0)'],
    ['UTF-16 with its mark', [0xff, 0xfe, 0x61, 0x00], 'is UTF-16 text: save it as UTF-8'],
  ];
  for (const [name, bytes, expected] of cases) {
    test(name, () => {
      assert.equal(textProblem(typeof bytes === 'string' ? Buffer.from(bytes) : Uint8Array.from(bytes)), expected);
    });
  }
  test('property: every problem is plain ASCII, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const problem = textProblem(bytes);
        return problem === undefined || /^[\x20-\x7e]+$/.test(problem);
      }),
      { seed: 12, numRuns: 500 },
    );
  });
});

describe('readTextFile', () => {
  test('a small text file is read; a larger one is refused whatever it claims', async () => {
    const file = join(dir, 'ok.yaml');
    await writeFile(file, 'a: 1\n');
    assert.equal(await readTextFile(file, { maxBytes: 5 }), 'a: 1\n');
    assert.equal(await reason(file, 4), 'is larger than 4 bytes, the most this file may hold');
  });
  test('a FIFO is refused without waiting for a writer', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    assert.equal(await reason(fifo), 'is a FIFO (named pipe), not a regular file');
    assert.equal(await unreadableKind(fifo), 'is a FIFO (named pipe), not a regular file');
  });
  test('devices and folders are refused by their kind; a missing file by its reason', async () => {
    assert.equal(await reason('/dev/urandom'), 'is a device, not a regular file');
    assert.equal(await reason(dir), 'is a directory');
    assert.equal(await reason(join(dir, 'nope')), 'no such file or directory');
    assert.equal(await unreadableKind('/dev/null'), 'is a device, not a regular file');
    assert.equal(await unreadableKind(join(dir, 'nope')), undefined, 'a Secret may be mounted later');
  });
});

test('an auth-file that became a FIFO fails its run at once, it does not hang it', async () => {
  const fifo = join(dir, 'auth-fifo');
  execFileSync('mkfifo', [fifo]);
  await assert.rejects(readAuthFile('auth-fifo', dir), /cannot read auth-file '.*auth-fifo': is a FIFO \(named pipe\), not a regular file/);
  await assert.rejects(readAuthFile('/dev/zero', dir), /cannot read auth-file '\/dev\/zero': is a device/);
});
