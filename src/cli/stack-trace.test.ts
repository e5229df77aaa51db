import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { build } from 'esbuild';
import { mapFrame, mappedTrace, fileMapLoader } from './stack-trace.js';

// Built as scripts/bundle.mjs builds the CLI: minified, with a linked source map.
const SOURCE = `export function parseTheThing(input: string): number {
  if (input.length > 0) {
    return deeperDown(input);
  }
  return 0;
}

function deeperDown(text: string): number {
  throw new RangeError('thing out of range: ' + text);
}
`;

test('a trace from a minified bundle is mapped to the TypeScript source, without minified names', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dregsy-stack-'));
  try {
    await writeFile(join(dir, 'thing.ts'), SOURCE);
    await build({ entryPoints: [join(dir, 'thing.ts')], outfile: join(dir, 'out', 'bundle.mjs'), bundle: true, format: 'esm', platform: 'node', minify: true, sourcemap: 'linked', logLevel: 'silent' });
    // In a plain node, as bin/dregsy runs the bundle (tsx, which runs this test, maps traces itself).
    const script = `import(${JSON.stringify(pathToFileURL(join(dir, 'out', 'bundle.mjs')).href)}).then((m) => { try { m.parseTheThing('x'); } catch (e) { process.stdout.write(e.stack); } });`;
    const stack = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.match(stack, /bundle\.mjs:1:\d+/, 'the raw trace points into the one-line bundle');
    const caught = Object.assign(new RangeError('thing out of range: x'), { stack });

    const trace = mappedTrace(caught);
    const lines = trace.split('\n');
    assert.equal(lines[0], 'RangeError: thing out of range: x');
    assert.equal(lines[1], `    at ${join(dir, 'thing.ts')}:9:9`, 'the throw, in deeperDown');
    assert.equal(lines[2], `    at ${join(dir, 'thing.ts')}:3:12`, 'the call, in parseTheThing');
    assert.doesNotMatch(trace, /bundle\.mjs/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('frames without a source map, and lines that are not frames, stay as they are', () => {
  const load = fileMapLoader();
  for (const line of ['    at node:internal/process/task_queues:95:5', '    at /nonexistent/dir/file.js:10:2', '    at async Promise.all (index 0)', 'Error: x']) {
    assert.equal(mapFrame(line, load), line);
  }
});

test('causes are mapped too', () => {
  const inner = new Error('socket hang up');
  const outer = new Error('cannot reach the registry', { cause: inner });
  const trace = mappedTrace(outer);
  assert.match(trace, /^Error: cannot reach the registry\n/);
  assert.match(trace, /\ncaused by Error: socket hang up\n/);
});
