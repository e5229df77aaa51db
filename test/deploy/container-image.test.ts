/**
 * Issue 13: the container image holds only the bundle (dist/bundle, bin, package.json) and
 * skopeo, and runs as a numeric non-root user. No engine can build images here, so this reads
 * the Dockerfile's final stage, lays out exactly what it copies in a temp dir far from any
 * node_modules, and runs the real CLI from there: --version, every part loaded on use, and a
 * real sync through skopeo against real registries, as an unprivileged user whose only
 * writable place is $TMPDIR (as with a read-only root filesystem and an emptyDir).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, chown, cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { makeTempDir, manifestDigest, pushTags, startRegistry, type TestRegistry } from '../support/index.js';
import { repoRoot } from '../e2e/dregsy-cli.js';

const run = promisify(execFile);
/** The image's user (Dockerfile USER and the manifests' runAsUser). */
const UID = 65532;

interface Stage {
  from: string;
  lines: string[];
}

function stages(dockerfile: string): Stage[] {
  const out: Stage[] = [];
  // join continuation lines, drop comments
  const text = dockerfile.replace(/\\\n/g, ' ').split('\n').filter((l) => !/^\s*#/.test(l) && l.trim() !== '');
  for (const line of text) {
    if (/^FROM\s/i.test(line)) out.push({ from: line, lines: [] });
    else out.at(-1)?.lines.push(line.trim());
  }
  return out;
}

let dockerfile: string;
let final: Stage;
let root: string;
let app: string;
let source: TestRegistry;
let target: TestRegistry;

before(async () => {
  dockerfile = await readFile(join(repoRoot, 'Dockerfile'), 'utf8');
  final = stages(dockerfile).at(-1)!;
  root = await makeTempDir('dregsy-image-');
  await chmod(root, 0o755);
  [source, target] = await Promise.all([startRegistry(), startRegistry()]);
});
after(async () => {
  await Promise.all([source?.stop(), target?.stop()]);
  if (root) await rm(root, { recursive: true, force: true });
});

test('the final stage: skopeo, the bundle, bin and package.json, a numeric non-root user', () => {
  assert.match(final.from, /^FROM debian:bookworm-slim$/, 'no npm, no node_modules from a Node image');
  const copies = final.lines.filter((l) => /^COPY\s/i.test(l));
  const sources = copies.map((l) => l.split(/\s+/).filter((w) => !w.startsWith('--')).slice(1, -1).join(' '));
  assert.deepEqual(sources, ['/usr/local/bin/node', '/opt/dregsy/package.json', '/opt/dregsy/dist/bundle', 'bin']);
  assert.ok(!/node_modules/.test(copies.join('\n')));
  assert.match(final.lines.find((l) => /^RUN .*apt-get install/.test(l)) ?? '', /\bskopeo\b/);
  const user = final.lines.filter((l) => /^USER\s/.test(l)).at(-1) ?? '';
  assert.match(user, /^USER (\d+)(:\d+)?$/, 'numeric, so Kubernetes can verify runAsNonRoot');
  assert.equal(Number(/^USER (\d+)/.exec(user)![1]), UID);
  assert.match(final.lines.find((l) => /^ENV\s/.test(l)) ?? '', /TMPDIR=\/tmp/);
  assert.match(final.lines.find((l) => /^ENTRYPOINT/.test(l)) ?? '', /"dregsy"/);
});

test('the bundle runs from a copy of only what the image holds, with no node_modules anywhere above it', async () => {
  const workdir = final.lines.filter((l) => /^WORKDIR\s/.test(l)).at(-1)!.split(/\s+/)[1]!;
  app = join(root, workdir);
  await mkdir(app, { recursive: true });
  for (const line of final.lines.filter((l) => /^COPY\s/.test(l) && !l.includes('--from=node'))) {
    const [from, to] = line.split(/\s+/).filter((w) => !w.startsWith('--')).slice(1);
    // --from=build: the build stage's checkout, where `npm run build` left the same files
    const src = join(repoRoot, from!.replace(/^\/opt\/dregsy\//, ''));
    await cp(src, resolve(app, to!), { recursive: true, filter: (f) => !f.endsWith('.map') });
  }
  for (let d = app; d !== dirname(d); d = dirname(d)) assert.ok(!existsSync(join(d, 'node_modules')), `${d}/node_modules must not exist`);

  const env = { PATH: process.env.PATH, HOME: '/nonexistent' };
  const version = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  const { stdout } = await run(process.execPath, [join(app, 'bin', 'dregsy'), '--version'], { cwd: '/', env });
  assert.equal(stdout.trim(), version.version);

  // The parts loaded only when a config needs them (AWS SDK, Google auth): load them all.
  const files = await readdir(join(app, 'dist', 'bundle'));
  const parts = files.filter((f) => f.endsWith('.cjs') || f.endsWith('.mjs'));
  assert.deepEqual(parts.sort(), ['dregsy.cjs', 'ecr-api.cjs', 'google.cjs', 'launch.mjs']);
  assert.ok(files.includes('code-cache'), 'the code cache made at build comes along');
  const script = `import { createRequire } from 'node:module'; const dir = ${JSON.stringify(join(app, 'dist', 'bundle'))};
    for (const f of ${JSON.stringify(parts)}) f.endsWith('.cjs') ? createRequire(dir + '/')('./' + f) : await import(dir + '/' + f);`;
  await run(process.execPath, ['--input-type=module', '-e', script], { cwd: '/', env });
});

test('a real sync from that copy, as an unprivileged user who may write only $TMPDIR', async () => {
  assert.ok(app, 'runs after the copy test');
  const pushed = await pushTags(source, 'library/app', ['1.0', '1.1']);
  const tmp = join(root, 'tmp');
  await mkdir(tmp);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await chown(tmp, UID, UID);
  const config = join(root, 'config.yaml');
  await writeFile(
    config,
    `tasks:
  - name: image
    source: { registry: ${source.host}, skip-tls-verify: true, auth: none }
    target: { registry: ${target.host}, skip-tls-verify: true, auth: none }
    mappings: [{ from: library/app, to: mirror/app }]
`,
  );
  await chmod(config, 0o644);
  // As root here: drop to the image's user, as the container runs (setpriv, util-linux).
  const argv = [process.execPath, join(app, 'bin', 'dregsy'), `-config=${config}`];
  const [file, ...args] = asRoot ? ['setpriv', `--reuid=${UID}`, `--regid=${UID}`, '--clear-groups', ...argv] : argv;
  const { stdout } = await run(file!, args, { cwd: '/', env: { PATH: process.env.PATH, HOME: tmp, TMPDIR: tmp, LOG_FORMAT: 'text' } });
  assert.match(stdout, /task run finished.*copied=2/);
  for (const tag of ['1.0', '1.1']) assert.equal(await manifestDigest(target, 'mirror/app', tag), pushed[tag]!.digest);
  // The copy here is not where the build ran, so the build's code cache (which holds the bundle's
  // path) does not fit it: the image's user compiled and kept its own in $TMPDIR, the one place
  // it may write. In the image the build runs where the image runs (next test), and it fits.
  const own = (await readdir(tmp)).filter((n) => n.startsWith('dregsy-code-cache'));
  assert.deepEqual(own, [`dregsy-code-cache-${asRoot ? UID : process.getuid?.()}`]);
  assert.equal((await readdir(join(tmp, own[0]!))).filter((n) => n.endsWith('.v8cache')).length, 1);
});

test("the build stage works in the folder the image runs from, so the build's code cache fits the image", () => {
  const build = stages(dockerfile).find((s) => / AS build$/i.test(s.from));
  assert.ok(build, 'a build stage');
  const workdir = (stage: Stage) => stage.lines.filter((l) => /^WORKDIR\s/.test(l)).at(-1)?.split(/\s+/)[1];
  assert.equal(workdir(build), workdir(final));
  assert.ok(build.lines.some((l) => /^RUN .*node scripts\/bundle\.mjs/.test(l)), 'the bundle (and its code cache) is made in that stage');
});
