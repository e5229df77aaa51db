/**
 * Bench section `regex`: a tag filter over 10,000 tags, the way a mapping's `tags:` list runs
 * (parseTagSet + expandTagSet), with ordinary expressions and with expressions that make a
 * backtracking engine take exponential time. 100 of the tags are the hostile kind a
 * registry we do not control could list (`aaaa…!`, 29 to 128 characters, 128 being the
 * longest tag a registry accepts). Pure CPU, no IO.
 */
import { expandTagSet, parseTagSet } from '../../src/tags/tag-set.js';
import type { BenchSection } from './section.js';

const ROUNDS = 5;
/** A filter slower than this per tag on average fails the section: no tag list may hang a run. */
const LIMIT_US_PER_TAG = 100;

/** 9,900 tags as registries hold them, then 100 hostile ones. */
function tagList(): string[] {
  const tags: string[] = [];
  for (let i = 0; tags.length < 9_900; i++) {
    const version = `${i % 3}.${Math.floor(i / 3) % 40}.${i % 97}`;
    const suffix = ['', '-alpine', '-rc1', '-slim-bookworm', `-${(i * 2654435761) >>> 0}`][i % 5];
    tags.push(i % 11 === 0 ? `sha-${((i * 40503) >>> 0).toString(16).padStart(8, '0')}` : `${i % 2 ? 'v' : ''}${version}${suffix}`);
  }
  for (let n = 29; n <= 128; n++) tags.push(`${'a'.repeat(n)}!`);
  return tags;
}

interface Filter {
  label: string;
  items: string[];
  hostile: boolean;
}

const FILTERS: readonly Filter[] = [
  { label: '`regex: 1\\.3[0-9]\\.[0-9]+(-alpine)?`', items: ['regex: 1\\.3[0-9]\\.[0-9]+(-alpine)?'], hostile: false },
  { label: '`regex: !.*-rc[0-9]+`', items: ['regex: !.*-rc[0-9]+'], hostile: false },
  { label: '`regex: v?[0-9]+(\\.[0-9]+)*` + `keep: !.*-(rc|alpha|beta)[0-9]*`', items: ['regex: v?[0-9]+(\\.[0-9]+)*', 'keep: !.*-(rc|alpha|beta)[0-9]*'], hostile: false },
  { label: '`regex: (a+)+$`', items: ['regex: (a+)+$'], hostile: true },
  { label: '`regex: (a|aa)+$`', items: ['regex: (a|aa)+$'], hostile: true },
  { label: '`regex: (.*a){12}`', items: ['regex: (.*a){12}'], hostile: true },
];

/**
 * The Go→JS translation this replaced (JavaScript's backtracking RegExp), measured once on
 * the same machine with the same tag list, before the switch: ns per tag for the ordinary
 * filters; for the hostile ones, the time of a single `aaaa…!` tag, which doubles with each
 * further character, so the list's 100 such tags never finish.
 */
const BEFORE: Record<string, string> = {
  '`regex: 1\\.3[0-9]\\.[0-9]+(-alpine)?`': '0.64 µs',
  '`regex: !.*-rc[0-9]+`': '3.81 µs',
  '`regex: v?[0-9]+(\\.[0-9]+)*` + `keep: !.*-(rc|alpha|beta)[0-9]*`': '0.30 µs',
  '`regex: (a+)+$`': 'never ends (one 30-char tag: 7.4 s)',
  '`regex: (a|aa)+$`': 'never ends (one 40-char tag: 3.8 s)',
  '`regex: (.*a){12}`': 'never ends (one 40-char tag: 85 s)',
};

function measure(filter: Filter, tags: readonly string[]): { usPerTag: number; selected: number } {
  const parsed = parseTagSet(filter.items);
  if (!parsed.ok) throw new Error(`bench filter ${filter.label} does not parse: ${parsed.problems.map((p) => p.message).join('; ')}`);
  let selected = 0;
  const times: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const started = process.hrtime.bigint();
    selected = expandTagSet(parsed.set, tags).length;
    times.push(Number(process.hrtime.bigint() - started) / 1e3 / tags.length);
  }
  times.sort((a, b) => a - b);
  return { usPerTag: times[Math.floor(times.length / 2)] ?? 0, selected };
}

async function runRegexBench(): Promise<{ markdown: string; failed: boolean }> {
  const tags = tagList();
  const hostile = tags.filter((t) => t.endsWith('!'));
  const rows: string[] = [];
  let failed = false;
  for (const filter of FILTERS) {
    const { usPerTag, selected } = measure(filter, tags);
    const onHostile = measure(filter, hostile).usPerTag;
    failed ||= usPerTag > LIMIT_US_PER_TAG || onHostile > LIMIT_US_PER_TAG;
    const total = (usPerTag * tags.length) / 1e3;
    rows.push(
      `| ${filter.label.replaceAll('|', '\\|')} | ${filter.hostile ? 'yes' : 'no'} | ${selected} | ${BEFORE[filter.label] ?? '–'} | ${usPerTag.toFixed(2)} µs | ${onHostile.toFixed(2)} µs | ${total.toFixed(1)} ms |`,
    );
    console.log(`  ${filter.label}: ${usPerTag.toFixed(2)} µs/tag, ${onHostile.toFixed(2)} µs per aaaa…! tag, ${selected} selected`);
  }
  const markdown = `One mapping's \`tags:\` filter applied to a list of ${tags.length.toLocaleString('en')} tags through the code a run uses
(\`parseTagSet\` + \`expandTagSet\`, anchored as dregsy anchors), median of ${ROUNDS} rounds. 9,900 tags are ordinary
(\`1.31.2\`, \`v2.4.7-alpine\`, \`sha-…\`); 100 are \`aaaa…!\` of 29 to 128 characters, the kind of name on which a
backtracking engine takes time exponential in the length for the hostile expressions below.

- **before**: our Go→JavaScript translation on JavaScript's backtracking \`RegExp\` (measured once, before the switch).
  For the hostile expressions a single tag already takes seconds, and each further character doubles it: the list never
  finishes, and with it the run.
- **after**: [re2js](https://www.npmjs.com/package/re2js), a port of RE2 / Go's regexp: matching time is linear in the
  tag's length, whatever the expression. On ordinary expressions it is slower than JavaScript's own engine (a few
  microseconds per tag instead of under one: tens of milliseconds for the whole list, next to seconds of network per
  run); on hostile ones it is what lets the run finish at all. This machine is shared: figures vary by 2–3×.

| filter | hostile | tags selected | before: per tag | after: per tag | after: per \`aaaa…!\` tag | after: whole list |
| --- | --- | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}

Goal (issue 12): no tag list can hang a run; every filter, hostile or not, stays under ${LIMIT_US_PER_TAG} µs per tag,
on the whole list and on the \`aaaa…!\` tags alone.`;
  return { markdown, failed };
}

export const regexBench: BenchSection = {
  name: 'regex',
  title: 'Tag filters: linear-time regular expressions',
  run: runRegexBench,
};
