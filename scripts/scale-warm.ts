/**
 * A warm run of the `scale` bench at any size, for profiling dregsy's per-tag cost without
 * seeding again each time: seeds a source and a target registry once (scripts/bench/scale-seed.ts),
 * writes the config, then runs the built CLI warm `RUNS` times, printing wall time and dregsy's
 * own CPU seconds for each. Extra node flags (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) go in
 * `NODE_FLAGS`; another launcher than bin/dregsy in `BIN`. With `KEEP=1` the registries stay up after the runs (until Ctrl-C), and the
 * config path is printed, for runs by hand.
 *
 *   TASKS=200 TAGS=20 RUNS=3 node --import tsx scripts/scale-warm.ts
 *
 * Talks only to 127.0.0.1.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir, startRegistry, type TestRegistry } from '../test/support/index.js';
import { fillRepos, seedImages } from './bench/scale-seed.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const TASKS = Number(process.env.TASKS ?? 200);
const TAGS = Number(process.env.TAGS ?? 20);
const RUNS = Number(process.env.RUNS ?? 3);
const TASK_CONCURRENCY = process.env.TASK_CONCURRENCY ?? '8';
const BIN = process.env.BIN ?? join(root, 'bin/dregsy');
const NODE_FLAGS = (process.env.NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');

/** utime and stime of a process in seconds (/proc/PID/stat, clock ticks of 1/100 s). */
function cpuSeconds(pid: number | undefined): { user: number; system: number } | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
  } catch {
    return undefined; // exited between polls: the last reading stands
  }
}

function runOnce(config: string): Promise<{ code: number; ms: number; user: number; system: number; out: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...NODE_FLAGS, BIN, `-config=${config}`], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' } });
    let out = '';
    let cpu = { user: 0, system: 0 };
    child.stdout.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
    child.stderr.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
    const poll = setInterval(() => (cpu = cpuSeconds(child.pid) ?? cpu), 20);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ code: code ?? 1, ms: performance.now() - t0, ...cpu, out });
    });
  });
}

const dir = await makeTempDir('dregsy-scale-warm-');
const regs: TestRegistry[] = [];
try {
  const [source, target] = await Promise.all([startRegistry(), startRegistry()]);
  regs.push(source, target);
  const repos = Array.from({ length: TASKS }, (_, i) => `mirror/r${String(i).padStart(4, '0')}`);
  const tags = Array.from({ length: TAGS }, (_, i) => `v${Math.floor(i / 10)}.${i % 10}.0`);
  const t0 = performance.now();
  const [src, dst] = await Promise.all([seedImages(source, 'seed/base', 4), seedImages(target, 'seed/base', 4)]);
  await Promise.all([fillRepos(source, src, repos, tags), fillRepos(target, dst, repos, tags)]);
  console.log(`seeded ${TASKS} × ${TAGS} tags in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const task = (i: number, repo: string) => `  - name: mirror-${i}
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings:
      - from: ${repo}
`;
  const config = join(dir, 'big.yaml');
  await writeFile(config, `concurrency: { tasks: ${TASK_CONCURRENCY} }\ntasks:\n${repos.map((r, i) => task(i, r)).join('')}`);
  const before = await target.manifestPuts();
  for (let i = 0; i < RUNS; i++) {
    const r = await runOnce(config);
    const cpuS = r.user + r.system;
    console.log(`run ${i + 1}: exit ${r.code}, ${(r.ms / 1000).toFixed(2)} s wall, dregsy CPU ${cpuS.toFixed(2)} s (user ${r.user.toFixed(2)}, system ${r.system.toFixed(2)}; ${((cpuS * 1e6) / (TASKS * TAGS * 2)).toFixed(0)} µs per HEAD)`);
    if (r.code !== 0) console.log(r.out);
  }
  console.log(`manifest PUTs at the target: ${(await target.manifestPuts()) - before}`);
  if (process.env.KEEP === '1') {
    console.log(`registries up; config: ${config}; Ctrl-C to stop`);
    // The registries are unref'd children: a timer keeps this process (and so them) alive.
    const alive = setInterval(() => undefined, 60_000);
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()).once('SIGTERM', () => resolve()));
    clearInterval(alive);
    console.log('stopping the registries (removing 1,000 repositories of data takes a while)');
  }
} finally {
  await Promise.all(regs.map((r) => r.stop()));
  await rm(dir, { recursive: true, force: true });
}
