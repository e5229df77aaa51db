/**
 * Issue 15: what a plain one-off sync runs before and while it copies. Not a timing test (those
 * are `make bench`, section scale): V8's own coverage of a real run, mapped through the
 * bundle's source map, shows which of our modules and packages had any function run. A sync
 * that listens nowhere must run none of the listener (status API and page, webhooks), the
 * metrics (prom-client) or `dregsy import`, and load neither the AWS nor the Google SDK: they
 * are loaded on first use (src/cli/lazy-serving.ts, import-command.ts, scripts/bundle.mjs).
 * The same measure shows that a run with `--listen` does run them. Nor does it load node:http2. And the relay starts beside
 * the first reads: a one-off sync asks the source for its tags while `skopeo --version` has
 * not yet answered.
 */
import assert from 'node:assert/strict';
import { chmod, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { SourceMap } from 'node:module';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WRAPPER_HEAD } from '../../src/launch/launch.js';
import { listTags, makeTempDir, pushTags, startFaultProxy, startRegistry, type TestRegistry } from '../support/index.js';
import { repoRoot, runDregsy, waitForOutput, writeConfig } from './dregsy-cli.js';

let dir: string;
let source: TestRegistry;
let target: TestRegistry;
before(async () => {
  dir = await makeTempDir('dregsy-e2e-startup-');
  [source, target] = await Promise.all([startRegistry(), startRegistry()]);
  await pushTags(source, 'team/app', ['1.0', '1.1']);
});
after(async () => {
  await Promise.all([source?.stop(), target?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Coverage {
  result: Array<{ url: string; functions: Array<{ ranges: Array<{ startOffset: number; count: number }> }> }>;
}

/** The scripts the run loaded, and the source files (as the bundle's map names them) of which some function ran. */
async function whatRan(coverageDir: string): Promise<{ scripts: string[]; ran: Set<string> }> {
  const bundle = join(repoRoot, 'dist', 'bundle', 'dregsy.cjs');
  const text = await readFile(bundle, 'utf8');
  const map = new SourceMap(JSON.parse(await readFile(`${bundle}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const scripts: string[] = [];
  const ran = new Set<string>();
  for (const name of await readdir(coverageDir)) {
    const coverage = JSON.parse(await readFile(join(coverageDir, name), 'utf8')) as Coverage;
    for (const script of coverage.result) {
      if (!script.url.startsWith('file:')) continue;
      scripts.push(fileURLToPath(script.url));
      if (fileURLToPath(script.url) !== bundle) continue;
      for (const fn of script.functions) {
        const first = fn.ranges[0];
        if (!first || first.count === 0) continue;
        const offset = first.startOffset - WRAPPER_HEAD.length;
        if (offset < 0 || offset >= text.length) continue; // the wrapper itself
        let line = lineStarts.length - 1;
        while (lineStarts[line]! > offset) line--;
        const entry = map.findEntry(line, offset - lineStarts[line]!) as { originalSource?: string };
        if (entry.originalSource) ran.add(entry.originalSource.replace(/^.*?\/(src|node_modules)\//, '$1/'));
      }
    }
  }
  return { scripts, ran };
}

/** Loaded on first use. (The config checks `listen:` with src/server/listen-address.ts, which is not the listener.) */
const LAZY = [/^src\/server\/(?!listen-address\.ts$)/, /^src\/metrics\//, /^src\/import\//, /^node_modules\/prom-client\//];

test('a plain one-off sync runs no listener, metrics or import code, and loads no cloud SDK', { timeout: 120_000 }, async () => {
  const coverage = join(dir, 'plain');
  const file = await writeConfig(
    dir,
    `tasks:
  - name: plain
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings: [{ from: team/app }]
`,
    'plain.yaml',
  );
  // Node's own list of the built-in modules it loaded, as the process exits
  const builtins = join(dir, 'builtins.json');
  const preload = join(dir, 'builtins.cjs');
  await writeFile(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(builtins)}, JSON.stringify(process.moduleLoadList)));\n`);
  const r = await runDregsy([`-config=${file}`], { env: { NODE_V8_COVERAGE: coverage, NODE_OPTIONS: `--require=${preload}` } });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /task run finished.*copied=2/);
  // undici's HTTP/2 client is loaded where an h2 connection needs it, which dregsy never asks for (scripts/bundle.mjs)
  const loaded = JSON.parse(await readFile(builtins, 'utf8')) as string[];
  assert.ok(loaded.includes('NativeModule tls'), 'the list is the real one');
  assert.ok(!loaded.includes('NativeModule http2'), 'node:http2 not loaded');
  const { scripts, ran } = await whatRan(coverage);
  // the measure sees what a sync runs
  for (const must of ['src/config/load.ts', 'src/sync/run-task.ts', 'src/exec/exec.ts', 'node_modules/undici/lib/dispatcher/agent.js']) assert.ok(ran.has(must), `${must} ran`);
  assert.deepEqual([...ran].filter((f) => LAZY.some((re) => re.test(f))), []);
  assert.deepEqual(scripts.filter((s) => /\/(ecr-api|google)\.cjs$/.test(s)), []);
});

test('with --listen the same measure sees the listener and the metrics run', { timeout: 120_000 }, async () => {
  const coverage = join(dir, 'listening');
  const file = await writeConfig(
    dir,
    `tasks:
  - name: listening
    interval: 3600
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings: [{ from: team/app, to: listened/app }]
`,
    'listening.yaml',
  );
  const r = await runDregsy([`-config=${file}`, '--listen=127.0.0.1:0'], {
    env: { NODE_V8_COVERAGE: coverage },
    onSpawn: async (child, out) => {
      await waitForOutput(out.stdout, /task run finished/, 60_000);
      child.kill('SIGTERM');
    },
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const { ran } = await whatRan(coverage);
  assert.ok(ran.has('src/server/listener.ts'));
  assert.ok(ran.has('src/metrics/metrics.ts'));
  assert.ok([...ran].some((f) => f.startsWith('node_modules/prom-client/')));
});

test('a one-off sync lists the source while skopeo --version has not answered yet, and copies once it has', { timeout: 120_000 }, async () => {
  // skopeo as given, but its --version waits for a file
  const skopeo = join(dir, 'held-skopeo');
  await writeFile(skopeo, `#!/bin/sh\nif [ "$1" = --version ]; then while [ ! -e '${dir}/answer' ]; do sleep 0.05; done; fi\nexec skopeo "$@"\n`);
  await chmod(skopeo, 0o755);
  const front = await startFaultProxy({ upstreamPort: source.port });
  try {
    const file = await writeConfig(
      dir,
      `relay: skopeo
skopeo: { binary: ${skopeo} }
tasks:
  - name: held
    source: { registry: ${front.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings: [{ from: team/app, to: held/app }]
`,
      'held.yaml',
    );
    let listedWhileHeld = false;
    const r = await runDregsy([`-config=${file}`], {
      onSpawn: async () => {
        const deadline = Date.now() + 60_000;
        while (!front.requests.some((q) => q.path.endsWith('/tags/list'))) {
          if (Date.now() > deadline) throw new Error('no tag list request while skopeo --version was held');
          await new Promise((ok) => setTimeout(ok, 50));
        }
        listedWhileHeld = true;
        await writeFile(join(dir, 'answer'), '');
      },
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(listedWhileHeld);
    assert.deepEqual((await listTags(target, 'held/app')).sort(), ['1.0', '1.1']);
  } finally {
    await writeFile(join(dir, 'answer'), '');
    await front.stop();
  }
});
