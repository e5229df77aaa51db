/**
 * One regsync sync step (with `defaults` applied, as regsync's `syncSetDefaults` does) → what
 * its dregsy mappings need: tag filters, platform, force, schedule. One table row per step
 * option; `regsync.ts` turns the result into mappings and tasks.
 *
 * Tag filters: regsync anchors its `allow`/`deny` regexes as `^…$`, as dregsy anchors
 * `regex:`/`keep:`, so `allow` becomes `regex:` items (ORed), `deny` becomes `keep: !…` items
 * (a tag must pass each), and `semverRange` becomes `semver:` items; with both `semverRange`
 * and `allow`, regsync takes tags matching both, so `allow` becomes one `keep:` instead.
 * Each tag set (`tags`, every `tagSets` entry) is its own mapping, since regsync unites them.
 */
import { cronSchedule, durationPeriod } from './schedule.js';
import type { Where } from './import-result.js';
import { convert, drop, same, type OptionTable } from './option-table.js';
import type { ImportContext } from './peer-format.js';
import { anchoredPattern, anyOfAnchored, goRegexProblem } from './regex-pattern.js';
import { REGSYNC_DEFAULT_MEDIA_TYPES, type RegsyncStep, type RegsyncTagSet } from './regsync-schema.js';
import { convertConstraint } from './semver-constraint.js';
import { parseBackupTemplate } from '../plan/backup-name.js';

export interface StepDraft {
  /** Tag items per mapping; empty items: every tag. */
  tagSets: { items: string[]; at: Where }[];
  /** Tag sets that could not be converted (dropped): never fall back to "every tag" then. */
  droppedSets: number;
  /** type registry: `allow:`/`deny:` repository lists of its `from: '*'` mapping. */
  repoAllow?: string[] | undefined;
  repoDeny?: string[] | undefined;
  platform?: string | undefined;
  force?: boolean | undefined;
  /** mappings[].backup, converted from regsync's Go template. */
  backup?: string | undefined;
  /** mappings[].referrers: regsync's `referrers` or `digestTags`. */
  referrers?: boolean | undefined;
  interval?: number | undefined;
  /** A cron `schedule:` instead of the interval. */
  schedule?: string | undefined;
  /** Comments for the task's `interval` or `schedule`. */
  timingComments: string[];
}

export interface StepCtx extends ImportContext {
  step: RegsyncStep;
  draft: StepDraft;
}

const REFERRERS = "dregsy copies every referrer of an image, from and to the mapping's own repositories";
const onlyWithReferrers = (_: unknown, c: StepCtx) => c.step.referrers === true;

function tagSetItems(set: RegsyncTagSet, c: StepCtx, at: Where): string[] | undefined {
  const allow = set.allow ?? [];
  const deny = set.deny ?? [];
  for (const p of [...allow, ...deny]) {
    const problem = goRegexProblem(`^${p}$`);
    if (problem) {
      c.drop(at, `tag regex '${p}' is invalid (${problem}); regsync fails on it too`);
      return undefined;
    }
  }
  const items: string[] = [];
  for (const range of (set.semverRange ?? []).filter((r) => r.trim() !== '')) {
    const converted = convertConstraint(range, 'regsync');
    if (!converted.ok) {
      c.drop(at, `semverRange '${range}' has no dregsy equivalent: ${converted.reason}`);
      return undefined;
    }
    items.push(`semver: ${converted.range}`);
  }
  if (items.length > 0 && allow.length > 0) items.push(`keep: ${anyOfAnchored(allow)}`);
  else items.push(...allow.map((p) => `regex: ${anchoredPattern(p)}`));
  items.push(...deny.map((p) => `keep: !${anchoredPattern(p)}`));
  return items;
}

function addTagSet(set: RegsyncTagSet, c: StepCtx, at: Where): void {
  if (c.step.type === 'image') {
    c.same(at, 'regsync ignores tag filters on a step of type image (it copies the one image)');
    return;
  }
  const items = tagSetItems(set, c, at);
  if (items) c.draft.tagSets.push({ items, at });
  else c.draft.droppedSets++;
}

export const STEP_OPTIONS: OptionTable<RegsyncStep, StepCtx> = {
  source: convert('tasks[].source.registry, mappings[].from', () => {}),
  target: convert('tasks[].target.registry, mappings[].to', () => {}),
  type: convert('image: one tag; repository: every tag (or the filtered ones); registry: from: \'*\' (the whole catalog)', () => {}),
  tags: convert('mappings[].tags (regex:, keep: !…, semver:)', (v, c, at) => {
    if (v.allow?.length || v.deny?.length || v.semverRange?.length) addTagSet(v, c, at);
  }),
  tagSets: convert('one mapping per tag set, each with its tags', (v, c, at) => {
    v.forEach((set, i) => addTagSet(set, c, { ...at, path: `${at.path}[${i}]` }));
  }),
  repos: convert("mappings[].allow.repos / deny.repos beside from: '*' (type registry)", (v, c, at) => {
    if (c.step.type !== 'registry') return c.same(at, "regsync reads 'repos' only for type registry");
    const allow = v.allow ?? [];
    const deny = v.deny ?? [];
    for (const p of [...allow, ...deny]) {
      const problem = goRegexProblem(`^${p}$`);
      if (problem) return c.drop(at, `repository regex '${p}' is invalid (${problem}); regsync fails on it too`);
    }
    // Both anchored as ^…$ by regsync and by dregsy's lists: the expressions carry over as written.
    if (allow.length > 0) c.draft.repoAllow = [...allow];
    if (deny.length > 0) c.draft.repoDeny = [...deny];
  }),
  platform: convert('mappings[].platform', (v, c) => {
    c.draft.platform = v;
  }),
  platforms: drop('several platforms out of an index: dregsy copies one platform or all of them'),
  digestTags: convert('mappings[].referrers: true (sha256-<hex>.* tags, and OCI referrers too)', (v, c) => {
    if (v) c.draft.referrers = true;
  }),
  referrers: convert('mappings[].referrers: true', (v, c) => {
    if (v) c.draft.referrers = true;
  }),
  referrerFilters: drop(`referrer filters: ${REFERRERS}`, onlyWithReferrers),
  referrerSource: drop(REFERRERS, onlyWithReferrers),
  referrerTarget: drop(REFERRERS, onlyWithReferrers),
  referrerSlow: same("dregsy checks an image's referrers on every run, whether the image changed or not", (v, c) => v && onlyWithReferrers(v, c)),
  includeExternal: drop(REFERRERS, (v, c) => v && onlyWithReferrers(v, c)),
  fastCheck: same('dregsy skips an image whose digest the target already has (with `referrers`, it still looks for new ones)', (v) => v),
  forceRecursive: convert('mappings[].force: true', (v, c) => {
    if (v) c.draft.force = true;
  }),
  backup: convert('mappings[].backup ({{.Ref.Tag}} → {{.Tag}})', (v, c, at) => {
    // regsync's template has the reference's fields and Go functions; dregsy's names a tag in
    // the same repository from a few fields, so only a tag template using {{.Ref.Tag}} converts.
    const text = v.replace(/\{\{\s*\.Ref\.Tag\s*\}\}/g, '{{.Tag}}');
    const parsed = parseBackupTemplate(text);
    if (!parsed.ok) return c.drop(at, `backup '${v}': dregsy's backup is a tag in the target repository made of {{.Tag}}, {{.Date}}, {{.Time}}, {{.Digest}}, {{.ShortDigest}} (${parsed.message})`);
    c.draft.backup = text;
  }),
  interval: convert('tasks[].interval (seconds)', (v, c, at) => {
    if (c.step.schedule) return c.same(at, 'ignored by regsync too: the schedule wins');
    const p = durationPeriod(v);
    if (!p.ok) return c.drop(at, `interval '${v}': ${p.reason}`);
    c.draft.interval = p.seconds;
    c.draft.timingComments.push(`regsync interval ${v}`);
    if (p.raised) c.drop(at, `interval ${v} is below dregsy's minimum of 30s: the task runs every 30s`);
  }),
  schedule: convert('tasks[].schedule (cron, the process\'s time zone as in regsync); @every <duration>: tasks[].interval', (v, c, at) => {
    c.draft.interval = undefined;
    const s = cronSchedule(v);
    if (!s.ok) return c.drop(at, `cron schedule '${v}': ${s.reason}; the task runs once`);
    c.draft.timingComments.push(`regsync schedule '${v}'`);
    if (s.kind === 'schedule') c.draft.schedule = s.text;
    else c.draft.interval = s.seconds;
    if (s.kind === 'interval' && s.raised) c.drop(at, `'${v}' is below dregsy's minimum interval of 30s: the task runs every 30s`);
  }),
  ratelimit: drop("waiting while Docker Hub's remaining pull count is below ratelimit.min: no equivalent in dregsy", (v) => (v.min ?? 0) > 0),
  mediaTypes: drop(
    'a media type filter: dregsy copies every image its relay supports',
    (v) => v.length !== REGSYNC_DEFAULT_MEDIA_TYPES.length || !REGSYNC_DEFAULT_MEDIA_TYPES.every((t) => v.includes(t)),
  ),
  hooks: same('regsync does not run hooks (regclient 725072f never calls them)'),
};

/** regsync's `syncSetDefaults`: what a step takes from `defaults`, and where each value is written. */
export function mergeDefaults(
  step: RegsyncStep,
  defaults: Partial<RegsyncStep>,
  stepAt: (key: string) => Where,
  defaultsAt: (key: string) => Where,
): { step: RegsyncStep; at: (key: string) => Where } {
  const merged: Record<string, unknown> = { ...step };
  const fromDefaults = new Set<string>();
  const take = (key: keyof RegsyncStep) => {
    if (merged[key] === undefined && defaults[key] !== undefined) {
      merged[key] = defaults[key];
      fromDefaults.add(key);
    }
  };
  for (const key of ['backup', 'digestTags', 'referrers', 'referrerFilters', 'referrerSource', 'referrerTarget', 'referrerSlow', 'fastCheck', 'forceRecursive', 'includeExternal', 'mediaTypes', 'hooks', 'ratelimit'] as const) take(key);
  // A step with either a schedule or an interval keeps its own; otherwise defaults' schedule wins over defaults' interval.
  if (!step.schedule && !step.interval) {
    if (defaults.schedule) take('schedule');
    else take('interval');
  }
  return { step: merged as RegsyncStep, at: (key) => (fromDefaults.has(key) ? defaultsAt(key) : stepAt(key)) };
}
