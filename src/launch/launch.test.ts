import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { makeTempDir } from '../../test/support/index.js';
import { BUILT_CACHE_DIR } from './launch.js';

const run = promisify(execFile);
const launch = fileURLToPath(new URL('./launch.ts', import.meta.url));

/** A CommonJS bundle as esbuild writes one: it requires a built-in, exports, and can throw. */
const BUNDLE = `var path = require('node:path');
exports.where = path.basename(__filename) + ' in ' + path.basename(__dirname);
exports.fail = function () {
  throw new Error('from line 4');
};
exports.word = 'h\u00e9llo';
`;
/** The same, with a character beyond ASCII in it as such (esbuild escapes them; a bundle need not). */
const UTF8_BUNDLE = `${BUNDLE}exports.word = 'héllo';\n`;

let root: string;
before(async () => {
  root = await makeTempDir('dregsy-launch-test-');
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** loadBundle in a process of its own (the cache is written when that process exits). */
async function load(bundle: string, env: Record<string, string>, v8Flags: string[] = []): Promise<{ cache: string; where: string; trace: string; word: string }> {
  const script = `import { loadBundle } from ${JSON.stringify(launch)};
    const { exports, cache } = loadBundle(${JSON.stringify(bundle)});
    let trace = '';
    try { exports.fail(); } catch (e) { trace = e.stack.split('\\n')[1]; }
    console.log(JSON.stringify({ cache, where: exports.where, trace, word: exports.word }));`;
  const { stdout } = await run(process.execPath, [...v8Flags, '--import', 'tsx', '--input-type=module', '-e', script], { env: { PATH: process.env.PATH, ...env } });
  return JSON.parse(stdout) as { cache: string; where: string; trace: string; word: string };
}

test('the first run writes the cache as it exits, the next compiles with it; lines stay those of the file', async () => {
  const dir = join(root, 'one');
  await mkdir(dir);
  const bundle = join(dir, 'bundle.cjs');
  await writeFile(bundle, BUNDLE);
  const env = { TMPDIR: root };
  const first = await load(bundle, env);
  assert.equal(first.cache, 'writes');
  assert.equal(first.where, 'bundle.cjs in one');
  assert.equal(first.word, 'h\u00e9llo');
  assert.match(first.trace, new RegExp(`${bundle.replace(/[/.]/g, '\\$&')}:4:9\\)?$`), first.trace);
  const written = await readdir(join(root, `dregsy-code-cache-${process.getuid?.()}`));
  assert.equal(written.length, 1);
  const second = await load(bundle, env);
  assert.deepEqual(second, { ...first, cache: 'written' });
  // another bundle (here: one more line) does not take that cache, and writes its own in its place
  await writeFile(bundle, `${BUNDLE}exports.more = 1;\n`);
  assert.equal((await load(bundle, env)).cache, 'writes');
  const after = await readdir(join(root, `dregsy-code-cache-${process.getuid?.()}`));
  assert.equal(after.length, 1);
  assert.notDeepEqual(after, written);
  // a bundle with UTF-8 in it is read as UTF-8
  await writeFile(bundle, UTF8_BUNDLE);
  assert.equal((await load(bundle, env)).word, 'h\u00e9llo');
});

test('the same bundle at another path compiles on its own: a cache names the file it was made from in stack traces', async () => {
  // V8 keeps the producing script's file name in its code cache: a copy elsewhere (another
  // checkout, an image built in one folder and run from another) must not take it.
  const shared = join(root, 'shared-cache');
  const [a, b] = [join(root, 'install-a'), join(root, 'install-b')];
  for (const d of [a, b]) {
    await mkdir(d);
    await writeFile(join(d, 'bundle.cjs'), BUNDLE);
  }
  assert.equal((await load(join(a, 'bundle.cjs'), { DREGSY_CODE_CACHE: shared })).cache, 'writes');
  const fromB = await load(join(b, 'bundle.cjs'), { DREGSY_CODE_CACHE: shared });
  assert.equal(fromB.cache, 'writes');
  assert.match(fromB.trace, new RegExp(`${join(b, 'bundle.cjs').replace(/[/.]/g, '\\$&')}:4:9\\)?$`), fromB.trace);
  // each keeps its own, and each is used again
  assert.equal((await load(join(a, 'bundle.cjs'), { DREGSY_CODE_CACHE: shared })).cache, 'written');
  const again = await load(join(b, 'bundle.cjs'), { DREGSY_CODE_CACHE: shared });
  assert.equal(again.cache, 'written');
  assert.equal(again.trace, fromB.trace);
});

test("the build's cache beside the bundle is used, and nothing is written then", async () => {
  const dir = join(root, 'built');
  await mkdir(dir);
  const bundle = join(dir, 'bundle.cjs');
  await writeFile(bundle, BUNDLE);
  // as scripts/bundle.mjs makes it: a run whose own cache folder is the build's
  assert.equal((await load(bundle, { DREGSY_CODE_CACHE: join(dir, BUILT_CACHE_DIR) })).cache, 'writes');
  const tmp = join(root, 'tmp-built');
  await mkdir(tmp);
  assert.equal((await load(bundle, { TMPDIR: tmp })).cache, 'built');
  assert.deepEqual((await readdir(tmp)).filter((n) => n.startsWith('dregsy')), [], 'no cache of its own');
});

test('DREGSY_CODE_CACHE=off: no cache read or written; a cache V8 refuses is replaced', async () => {
  const dir = join(root, 'off');
  await mkdir(dir);
  const bundle = join(dir, 'bundle.cjs');
  await writeFile(bundle, BUNDLE);
  const own = join(root, 'own-off');
  assert.equal((await load(bundle, { DREGSY_CODE_CACHE: own })).cache, 'writes');
  assert.equal((await load(bundle, { DREGSY_CODE_CACHE: 'off' })).cache, 'none');
  assert.equal((await load(bundle, { DREGSY_CODE_CACHE: own })).cache, 'written');
  // other V8 flags: V8 refuses the cache, which is compiled without and written anew
  assert.equal((await load(bundle, { DREGSY_CODE_CACHE: own }, ['--max-lazy'])).cache, 'writes');
  assert.equal((await load(bundle, { DREGSY_CODE_CACHE: own }, ['--max-lazy'])).cache, 'written');
});
