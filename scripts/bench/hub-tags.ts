/**
 * Bench section `hub-tags` (issue 15, item 2): a warm run from Docker Hub with the digests read
 * from Hub's tag API (100 tags a call) against the general path, one HEAD per tag at the
 * source. `registry-1.docker.io` is a real registry reached through a CONNECT proxy, the API a
 * local server answering from a snapshot of that registry (taken before timing). Talks only
 * to 127.0.0.1.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startConnectProxy } from '../../test/support/connect-proxy.js';
import { startFakeDockerHub, type HubTag } from '../../test/support/hub-server.js';
import { makeTempDir, manifestDigest, pushTags, startRegistry, type TestRegistry } from '../../test/support/index.js';
import { run } from './copy.js';
import type { BenchSection } from './section.js';

const REPOS = 3;
const TAGS = Number(process.env.BENCH_HUB_TAGS ?? 200);
/** Warm runs per path, alternating; the median is reported. */
const RUNS = Number(process.env.BENCH_HUB_RUNS ?? 3);
const OCI = 'application/vnd.oci.image.manifest.v1+json';
type Path = 'listing' | 'heads';

/** dregsy's manifest reads at the source (the bench's own have another User-Agent). */
const sourceReads = async (reg: TestRegistry) => (await reg.accessLog()).split('\n').filter((l) => /"(HEAD|GET) \/v2\/[^"]*\/manifests\//.test(l) && /"dregsy"\s*$/.test(l)).length;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function runHubTags(): Promise<{ markdown: string; failed: boolean }> {
  const dir = await makeTempDir('dregsy-bench-hub-');
  const stops: Array<() => Promise<void>> = [];
  try {
    const [source, target] = await Promise.all([startRegistry({ tls: 'tls', accessLog: true }), startRegistry()]);
    stops.push(() => source.stop(), () => target.stop());
    const repos = Array.from({ length: REPOS }, (_, i) => `bench/hub-${i}`);
    const tags = Array.from({ length: TAGS }, (_, i) => `1.${Math.floor(i / 10)}.${i % 10}`);
    console.log(`bench: seeding ${REPOS} × ${TAGS} tags at the source and, as if synced before, at the target`);
    await Promise.all(repos.flatMap((repo) => [source, target].map((reg) => pushTags(reg, repo, tags, { label: `${repo}-seed` }))));
    const snapshot = new Map<string, HubTag[]>();
    for (const repo of repos) snapshot.set(repo, await Promise.all(tags.map(async (name) => ({ name, digest: await manifestDigest(source, repo, name), media_type: OCI }))));
    const hub = await startFakeDockerHub({ username: 'bench', password: 'unused', repositories: [] }, 100, { tags: async (ns, name) => snapshot.get(`${ns}/${name}`) });
    stops.push(() => hub.stop());
    const proxy = await startConnectProxy({ 'registry-1.docker.io': source.port });
    stops.push(() => proxy.stop());
    const config = join(dir, 'hub.yaml');
    await writeFile(
      config,
      `relay: skopeo
tasks:
  - name: bench
    source: { registry: docker.io, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings:
${repos.map((r) => `      - from: ${r}`).join('\n')}
`,
    );
    const env = { HOME: dir, DOCKER_CONFIG: join(dir, '.docker'), HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1,localhost', DREGSY_DOCKERHUB_API_URL: hub.url };
    const times: Record<Path, number[]> = { listing: [], heads: [] };
    const reads: Record<Path, number> = { listing: 0, heads: 0 };
    const calls: Record<Path, number> = { listing: 0, heads: 0 };
    let failed = false;
    for (let i = 0; i < RUNS; i++) {
      for (const path of ['listing', 'heads'] as const) {
        // The general path: the API answers 404 for every repository (as for one it does not show), so each tag gets a HEAD.
        hub.failTags(path === 'heads' ? 404 : undefined);
        const [r0, c0] = [await sourceReads(source), hub.requests.length];
        const r = await run(process.execPath, ['bin/dregsy', `-config=${config}`], { env });
        if (r.code !== 0 || /copied /.test(r.out)) {
          failed = true;
          console.error(`hub-tags ${path}: exit ${r.code}:\n${r.out.slice(-2000)}`);
        }
        times[path].push(r.ms);
        reads[path] = (await sourceReads(source)) - r0;
        calls[path] = hub.requests.length - c0;
        console.log(`bench: ${REPOS}×${TAGS} warm, ${path.padEnd(7)} ${s(r.ms)}, ${reads[path]} manifest reads at the source, ${calls[path]} Hub API calls`);
      }
    }
    const line = (label: string, path: Path) => `| ${label} | ${s(median(times[path]))} (${times[path].map((t) => (t / 1000).toFixed(2)).join(', ')}) | ${reads[path]} | ${calls[path]} |`;
    const table = [
      '| warm run, digests at the source from | time (median; runs) | manifest HEAD/GET at the source | Hub API calls |',
      '| --- | ---: | ---: | ---: |',
      line("Docker Hub's tag API", 'listing'),
      line('one HEAD per tag (general path)', 'heads'),
    ].join('\n');
    console.log(`\n${table}`);
    const markdown = `${REPOS} repositories of ${TAGS} single-platform tags on "Docker Hub" (a real registry behind \`registry-1.docker.io\`
through a CONNECT proxy; the tag API a local server answering from a snapshot of it, pages of 100), already synced to
a local target; ${RUNS} warm runs of each path, alternating. Both paths list the target's tags and HEAD the target per tag;
the listing replaces the source's HEADs by ${Math.ceil(TAGS / 100)} API call(s) per repository.

${table}

What limits each figure: on loopback a HEAD costs little, so the difference here is the round trips saved at the source;
against the real Docker Hub each HEAD is a round trip across the internet (tens of ms), which the listing replaces by one call per 100 tags.
`;
    return { markdown, failed };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

export const hubTagsBench: BenchSection = {
  name: 'hub-tags',
  title: "Warm runs from Docker Hub: the tag API against a HEAD per tag",
  run: runHubTags,
};
