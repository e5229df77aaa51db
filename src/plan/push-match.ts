/**
 * Which images of a task a registry push selects (pure). A push of `repo:tag` on `host`
 * concerns a task when the task's source is that registry, one of its mappings selects the
 * repository (a plain `from:` path, or a `from: regex:` that matches it) and that mapping's
 * tag filter (and its `allow:`/`deny:` lists) admit the tag. Only `keep: latest N` cannot be
 * decided from the event alone: it is admitted here and decided by the run, which reads the tag
 * list. So is a source with a `script` lister: the push run runs the script and copies the
 * pushed image only if the script lists it (sync/select-images.ts).
 *
 * A task that writes to its own source registry never takes a push of its own output: when the
 * pushed repository is where one of its mappings copies a repository it selects (e.g. from
 * `regex:team/.*` to `team/mirror`, a push of `team/mirror/team/app`), that mapping skips it.
 * Copying it would only nest the mirror one level deeper, and that copy's push would do it again.
 */
import type { ResolvedTask } from '../model/task.js';
import { sourceMappedTo } from '../mapping/path-mapping.js';
import { apiRepo, isDockerHub, normalizeHost, sameRegistry } from '../registry/hosts.js';
import { refsForPushedTag } from '../tags/tag-set.js';

export interface PushEvent {
  /** The registry the push went to, as the notification names it; undefined when it does not. */
  host: string | undefined;
  /** Repository path without a leading slash. */
  repo: string;
  tag: string;
  digest?: string | undefined;
  /** Who pushed, as the notification says (Distribution's `request.useragent`): for the log only. */
  userAgent?: string | undefined;
}

/** One pushed tag, for one mapping of one task: what a targeted run copies. */
export interface PushedImage {
  /** Index of the mapping in the task. */
  mapping: number;
  /** Source repository path as the mapping names it (no leading slash). */
  repo: string;
  tag: string;
}

/** A pushed repository a mapping skipped because it is that mapping's own target (see above). */
export interface OwnTargetSkip {
  /** Index of the mapping in the task. */
  mapping: number;
  /** The pushed repository, and the selected one the mapping copies to it. */
  repo: string;
  source: string;
}

export interface PushSelection {
  images: PushedImage[];
  ownTargets: OwnTargetSkip[];
}

export function matchPush(task: ResolvedTask, event: PushEvent): PushedImage[] {
  return selectPush(task, event).images;
}

/** What a push makes the task copy, and what its mappings skipped as their own output. */
export function selectPush(task: ResolvedTask, event: PushEvent): PushSelection {
  const none: PushSelection = { images: [], ownTargets: [] };
  if (event.tag === '') return none;
  if (event.host !== undefined && !sameRegistry(event.host, task.source.registry)) return none;
  const hub = isDockerHub(normalizeHost(task.source.registry));
  const pushed = hub ? apiRepo('docker.io', event.repo) : event.repo;
  const writesToSource = task.targets.some((t) => sameRegistry(t.registry, task.source.registry));
  const out: PushSelection = { images: [], ownTargets: [] };
  for (const m of task.mappings) {
    const from = m.paths.from;
    let repo: string | undefined;
    if (from.kind === 'path') {
      const path = from.path.replace(/^\/+/, '');
      if ((hub ? apiRepo('docker.io', path) : path) === pushed) repo = path;
    } else if (from.re.test(event.repo) || (hub && from.re.test(pushed))) {
      repo = from.re.test(event.repo) ? event.repo : pushed;
    }
    if (repo === undefined) continue;
    if (!m.names.repo(repo) || !m.names.tag(event.tag)) continue;
    if (refsForPushedTag(m.tags, event.tag, []).length === 0) continue;
    const source = writesToSource ? sourceMappedTo(m.paths, repo) : undefined;
    if (source !== undefined && m.names.repo(source)) {
      out.ownTargets.push({ mapping: m.index, repo, source });
      continue;
    }
    out.images.push({ mapping: m.index, repo, tag: event.tag });
  }
  return out;
}
