/**
 * `make bench`: runs the benchmark sections (scripts/bench/*.ts, listed below) and writes
 * docs/performance.md. Each section's text sits between markers on the page, so running some
 * sections (`BENCH_ONLY=copy`) replaces only theirs and keeps the others' latest figures.
 * Talks only to 127.0.0.1.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyBench } from './bench/copy.js';
import { faultsBench } from './bench/faults.js';
import { regexBench } from './bench/regex.js';
import { roundTwoBench } from './bench/round-two.js';
import { hubTagsBench } from './bench/hub-tags.js';
import { scaleBench } from './bench/scale.js';
import type { BenchSection } from './bench/section.js';
import { opsBench } from './bench/ops.js';
import { serviceBench } from './bench/service.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const PAGE = join(root, 'docs/performance.md');

/** Every section, in page order. */
const SECTIONS: readonly BenchSection[] = [copyBench, serviceBench, regexBench, faultsBench, opsBench, scaleBench, roundTwoBench, hubTagsBench];

const begin = (name: string) => `<!-- bench:${name}:begin -->`;
const end = (name: string) => `<!-- bench:${name}:end -->`;

/** The section's text as the page holds it now, if it holds one. */
function kept(page: string, name: string): string | undefined {
  const a = page.indexOf(begin(name));
  const b = page.indexOf(end(name));
  return a >= 0 && b > a ? page.slice(a, b + end(name).length) : undefined;
}

/** The machine's load average over the last minute, as /proc/loadavg gives it. */
function loadNow(): string {
  return loadavg()[0]!.toFixed(1);
}

/**
 * The section's block. The load average before and after it says how much of the machine's cores
 * other work took meanwhile: wall times on a shared machine depend on it, CPU time and memory do not.
 */
function block(s: BenchSection, body: string, date: string, load: { before: string; after: string }): string {
  const header = `Measured on ${date}, at a load average of ${load.before} when the section started and ${load.after} when it ended.`;
  return `${begin(s.name)}\n## ${s.title}\n\n${header}\n\n${body.trim()}\n${end(s.name)}`;
}

async function main(): Promise<number> {
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = only?.filter((n) => !SECTIONS.some((s) => s.name === n)) ?? [];
  if (unknown.length > 0) {
    console.error(`bench: unknown section(s) ${unknown.join(', ')}; known: ${SECTIONS.map((s) => s.name).join(', ')}`);
    return 2;
  }
  const old = await readFile(PAGE, 'utf8').catch(() => '');
  const date = new Date().toISOString().slice(0, 10);
  const blocks: string[] = [];
  let failed = false;
  for (const s of SECTIONS) {
    if (only && !only.includes(s.name)) {
      const k = kept(old, s.name);
      if (k) blocks.push(k);
      continue;
    }
    const before = loadNow();
    console.log(`bench: ${s.name}: ${s.title} (load average ${before})`);
    const r = await s.run();
    failed ||= r.failed;
    blocks.push(block(s, r.markdown, date, { before, after: loadNow() }));
  }
  const page = `# Performance

Measured by \`make bench\` (scripts/bench.ts and its sections in scripts/bench/) on this project's machines:
${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, skopeo and docker-registry from Debian, every registry on 127.0.0.1.
\`BENCH_ONLY=name,… make bench\` runs some sections and keeps the others' latest figures.

${blocks.join('\n\n')}
`;
  await writeFile(PAGE, page);
  console.log('bench: wrote docs/performance.md');
  return failed ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exitCode = 1;
  },
);
