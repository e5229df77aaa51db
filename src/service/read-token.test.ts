import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readToken } from './service-config.js';

test('a token file is read as a text file: trimmed, and a FIFO or device is refused at once instead of hanging', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dregsy-read-token-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'token'), 's3cret-token\n');
  assert.deepEqual(await readToken({ value: undefined, file: join(dir, 'token') }, 'DREGSY_API_TOKEN_FILE'), { token: 's3cret-token' });
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const fromFifo = await readToken({ value: undefined, file: fifo }, 'DREGSY_API_TOKEN_FILE');
  assert.equal(fromFifo.token, undefined);
  assert.match(fromFifo.problem ?? '', /cannot read DREGSY_API_TOKEN_FILE '.*fifo': is a FIFO/);
  const device = await readToken({ value: undefined, file: '/dev/zero' }, 'DREGSY_WEBHOOK_TOKEN_FILE');
  assert.match(device.problem ?? '', /is a device/);
});
