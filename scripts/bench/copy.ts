/**
 * Bench section `copy`: ours (with the skopeo relay, and with `relay: native`) against `skopeo sync`
 * and a loop of one `skopeo copy` per tag (the original dregsy's strategy), on one seeded
 * source registry and one target registry per tool.
 * Three rounds each: cold (empty target), warm (nothing changed), one source tag changed.
 * Measures wall time, manifest PUTs and all requests at the target (its access log) and our peak RSS, prints
 * a table and writes docs/performance.md. Talks only to 127.0.0.1.
 */
import { spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir, pushImage, pushTags, startRegistry, type TestRegistry } from '../../test/support/index.js';
import type { BenchSection } from './section.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const REPOS = Number(process.env.BENCH_REPOS ?? 4);
/** Our concurrency.copies; unset: the default. */
const COPIES = process.env.BENCH_COPIES;
const TAGS = Number(process.env.BENCH_TAGS ?? 50);
const MULTI = { name: 'bench/multi', platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }] };
const singleRepos = Array.from({ length: REPOS }, (_, i) => `bench/single-${i}`);
const tags = Array.from({ length: TAGS }, (_, i) => `1.${Math.floor(i / 10)}.${i % 10}`);

interface Measure {
  ms: number;
  puts: number;
  /** Every request the target registry answered (its CPU is what limits a cold sync here). */
  requests: number;
  peakRssMb?: number;
  exitCode: number;
}

type Tool = 'ours' | 'ours-native' | 'skopeo-sync' | 'copy-loop';
const TOOLS: readonly Tool[] = ['ours', 'ours-native', 'skopeo-sync', 'copy-loop'];
const isOurs = (tool: Tool) => tool === 'ours' || tool === 'ours-native';
const ROUNDS = ['cold', 'warm', 'one changed'] as const;

export function run(cmd: string, args: string[], opts: { cwd?: string; trackRss?: boolean; env?: Record<string, string> } = {}): Promise<{ code: number; ms: number; peakKb: number; out: string }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: opts.cwd ?? root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn', ...opts.env } });
    let out = '';
    let peakKb = 0;
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    // VmHWM is the process's own high-water mark: the last reading before exit is its peak.
    const poll = opts.trackRss
      ? setInterval(() => {
          void readFile(`/proc/${child.pid}/status`, 'utf8')
            .then((s) => {
              const m = /VmHWM:\s+(\d+)/.exec(s);
              if (m) peakKb = Math.max(peakKb, Number(m[1]));
            })
            .catch(() => undefined);
        }, 10)
      : undefined;
    child.on('error', reject);
    child.on('close', (code) => {
      if (poll) clearInterval(poll);
      resolve({ code: code ?? 1, ms: Number(process.hrtime.bigint() - t0) / 1e6, peakKb, out });
    });
  });
}

async function oursConfig(dir: string, source: TestRegistry, target: TestRegistry, relay: 'skopeo' | 'native'): Promise<string> {
  const mappings = [...singleRepos.map((r) => `      - from: ${r}`), `      - from: ${MULTI.name}\n        platform: all`].join('\n');
  const file = join(dir, `ours-${relay}.yaml`);
  await writeFile(
    file,
    `relay: ${relay}
${COPIES ? `concurrency: { copies: ${COPIES} }\n` : ''}tasks:
  - name: bench
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings:
${mappings}
`,
  );
  return file;
}

/** A `skopeo sync --src yaml` source list naming every tag of `repos`. */
export async function skopeoSyncYaml(dir: string, source: TestRegistry, repos: readonly string[] = [...singleRepos, MULTI.name]): Promise<string> {
  const file = join(dir, 'skopeo-sync.yaml');
  const images = repos.map((r) => `    ${r}: []`).join('\n');
  await writeFile(file, `${source.host}:\n  tls-verify: false\n  images:\n${images}\n`);
  return file;
}

/** One `skopeo sync` of a source list into `target`; --preserve-digests and --all so a multi-platform index arrives as ours does. */
export function skopeoSync(syncFile: string, target: TestRegistry, authfile: string): ReturnType<typeof run> {
  return run('skopeo', ['--insecure-policy', 'sync', '--all', '--preserve-digests', '--src', 'yaml', '--dest', 'docker', '--dest-tls-verify=false', `--src-authfile=${authfile}`, `--dest-authfile=${authfile}`, syncFile, target.host]);
}

/** One `skopeo copy` per tag, one after the other: the original dregsy's strategy. */
export async function copyLoop(source: TestRegistry, target: TestRegistry, repos: ReadonlyArray<{ repo: string; tags: readonly string[]; all?: boolean }>, authfile: string): ReturnType<typeof run> {
  const t0 = Date.now();
  let code = 0;
  for (const { repo, tags: repoTags, all } of repos) {
    for (const tag of repoTags) {
      const extra = all ? ['--all', '--preserve-digests'] : [];
      const one = await run('skopeo', ['--insecure-policy', 'copy', '--src-tls-verify=false', '--dest-tls-verify=false', `--src-authfile=${authfile}`, `--dest-authfile=${authfile}`, ...extra, `docker://${source.host}/${repo}:${tag}`, `docker://${target.host}/${repo}:${tag}`]);
      code ||= one.code;
    }
  }
  return { code, ms: Date.now() - t0, peakKb: 0, out: '' };
}

async function runTool(tool: Tool, ctx: { dir: string; source: TestRegistry; target: TestRegistry; oursFile: string; syncFile: string; authfile: string }): Promise<Measure> {
  const before = await ctx.target.manifestPuts();
  const requestsBefore = await requestCount(ctx.target);
  let r: { code: number; ms: number; peakKb: number; out: string };
  if (isOurs(tool)) {
    r = await run(process.execPath, [join(root, 'bin/dregsy'), `-config=${ctx.oursFile}`], { trackRss: true });
  } else if (tool === 'skopeo-sync') {
    r = await skopeoSync(ctx.syncFile, ctx.target, ctx.authfile);
  } else {
    r = await copyLoop(ctx.source, ctx.target, [...singleRepos.map((repo) => ({ repo, tags })), { repo: MULTI.name, tags, all: true }], ctx.authfile);
  }
  if (r.code !== 0) console.error(`${tool} exited ${r.code}:\n${r.out.slice(-2000)}`);
  const puts = (await ctx.target.manifestPuts()) - before;
  const requests = (await requestCount(ctx.target)) - requestsBefore;
  return { ms: r.ms, puts, requests, exitCode: r.code, ...(isOurs(tool) ? { peakRssMb: r.peakKb / 1024 } : {}) };
}

/** Requests in the registry's access log (one line each, `"METHOD /path HTTP/1.1"`). */
export async function requestCount(reg: TestRegistry): Promise<number> {
  return ((await reg.accessLog()).match(/"(?:GET|HEAD|POST|PUT|PATCH|DELETE) \//g) ?? []).length;
}

async function runCopyBench(): Promise<{ markdown: string; failed: boolean }> {
  const dir = await makeTempDir('dregsy-bench-');
  const regs: TestRegistry[] = [];
  try {
    const source = await startRegistry();
    regs.push(source);
    const targets: Record<Tool, TestRegistry> = {
      ours: await startRegistry({ accessLog: true }),
      'ours-native': await startRegistry({ accessLog: true }),
      'skopeo-sync': await startRegistry({ accessLog: true }),
      'copy-loop': await startRegistry({ accessLog: true }),
    };
    regs.push(...Object.values(targets));
    console.log(`bench: seeding ${REPOS} × ${TAGS} single-platform tags and 1 × ${TAGS} multi-platform tags`);
    for (const repo of singleRepos) await pushTags(source, repo, tags);
    for (const tag of tags) await pushImage(source, MULTI.name, tag, { platforms: MULTI.platforms });
    const authfile = join(dir, 'auth.json');
    await writeFile(authfile, '{"auths":{}}', { mode: 0o600 });
    const syncFile = await skopeoSyncYaml(dir, source);

    const results = new Map<string, Measure>();
    for (const round of ROUNDS) {
      if (round === 'one changed') {
        await pushImage(source, singleRepos[0]!, tags[0]!, { label: `changed-${Date.now()}` });
      }
      for (const tool of TOOLS) {
        const oursFile = await oursConfig(dir, source, targets[tool], tool === 'ours-native' ? 'native' : 'skopeo');
        const m = await runTool(tool, { dir, source, target: targets[tool], oursFile, syncFile, authfile });
        results.set(`${tool}/${round}`, m);
        console.log(`bench: ${round.padEnd(11)} ${tool.padEnd(11)} ${(m.ms / 1000).toFixed(2)} s, ${m.puts} manifest PUTs, ${m.requests} target requests${m.peakRssMb ? `, peak ${m.peakRssMb.toFixed(0)} MB` : ''}${m.exitCode ? ` (exit ${m.exitCode})` : ''}`);
      }
    }
    const table = render(results);
    console.log(`\n${table}`);
    const failed = [...results.values()].some((m) => m.exitCode !== 0);
    return { markdown: section(table), failed };
  } finally {
    await Promise.all(regs.map((r) => r.stop()));
    await rm(dir, { recursive: true, force: true });
  }
}

function render(results: Map<string, Measure>): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const rows = [
    '| round | ours | ours (native) | skopeo sync | copy loop | ours / skopeo sync | native / skopeo sync | ours / copy loop | native / copy loop | manifest PUTs (ours / native / sync / loop) | target requests (ours / native / sync / loop) | our peak RSS (skopeo / native) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |',
  ];
  for (const round of ROUNDS) {
    const [o, n, y, l] = TOOLS.map((tool) => results.get(`${tool}/${round}`)!) as [Measure, Measure, Measure, Measure];
    const mb = (m: Measure) => `${m.peakRssMb?.toFixed(0) ?? '?'} MB`;
    rows.push(
      `| ${round} | ${s(o.ms)} | ${s(n.ms)} | ${s(y.ms)} | ${s(l.ms)} | ${(o.ms / y.ms).toFixed(2)} | ${(n.ms / y.ms).toFixed(2)} | ${(o.ms / l.ms).toFixed(3)} | ${(n.ms / l.ms).toFixed(3)} | ${o.puts} / ${n.puts} / ${y.puts} / ${l.puts} | ${o.requests} / ${n.requests} / ${y.requests} / ${l.requests} | ${mb(o)} / ${mb(n)} |`,
    );
  }
  return rows.join('\n');
}

function section(table: string): string {
  return `The source holds ${REPOS} repositories × ${TAGS}
single-platform tags and 1 repository × ${TAGS} multi-platform (2 platforms) tags; each tool syncs all of them into its own
empty target registry, then runs again with nothing changed, then again after one source tag was re-pushed with new content.

- **ours**: \`dregsy -config=…\` with \`relay: skopeo\` and the default concurrency (2 copies, 16 digest checks at once).
- **ours (native)**: the same with \`relay: native\`: copies inside the dregsy process through its own registry client
  (no skopeo process per image; an upload is one POST and one PUT, a config blob is sent without asking first, a layer
  already in another target repository is mounted, and nothing is asked for twice).
- **skopeo sync**: one \`skopeo sync --all --preserve-digests --src yaml\` process.
- **copy loop**: one \`skopeo copy\` per tag, one after the other: what the original dregsy does.

Manifest PUTs and all requests are counted in each target registry's access log; a PUT is a write, so 0 on the warm round
means the target was not touched. On this 2-core machine the target registry's CPU is what limits a cold sync, so fewer
requests is what makes a copy faster. Our peak RSS is the dregsy process's VmHWM (skopeo child processes not included).

${table}

Targets (issue 6): warm ≤ 0.5 × skopeo sync and ≤ 0.1 × the copy loop with 0 manifest PUTs; cold ≤ 0.6 × skopeo sync;
one changed tag → exactly one copy; peak memory under 150 MB.
`;
}

export const copyBench: BenchSection = {
  name: 'copy',
  title: 'Copying: ours against skopeo sync and a skopeo copy loop',
  run: runCopyBench,
};
