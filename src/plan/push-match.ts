/**
 * Which images of a task a registry push selects (pure). A push of `repo:tag` on `host`
 * concerns a task when the task's source is that registry, one of its mappings selects the
 * repository (a plain `from:` path, or a `from: regex:` that matches it) and that mapping's
 * tag filter (and its `allow:`/`deny:` lists) admit the tag. Only `keep: latest N` cannot be
 * decided from the event alone: it is admitted here and decided by the run, which reads the tag
 * list. So is a source with a `script` lister: the push run runs the script and copies the
 * pushed image only if the script lists it (sync/select-images.ts).
 */
import type { ResolvedTask } from '../model/task.js';
import { apiRepo, isDockerHub, normalizeHost, sameRegistry } from '../registry/hosts.js';
import { refsForPushedTag } from '../tags/tag-set.js';

export interface PushEvent {
  /** The registry the push went to, as the notification names it; undefined when it does not. */
  host: string | undefined;
  /** Repository path without a leading slash. */
  repo: string;
  tag: string;
  digest?: string | undefined;
}

/** One pushed tag, for one mapping of one task: what a targeted run copies. */
export interface PushedImage {
  /** Index of the mapping in the task. */
  mapping: number;
  /** Source repository path as the mapping names it (no leading slash). */
  repo: string;
  tag: string;
}

export function matchPush(task: ResolvedTask, event: PushEvent): PushedImage[] {
  if (event.tag === '') return [];
  if (event.host !== undefined && !sameRegistry(event.host, task.source.registry)) return [];
  const hub = isDockerHub(normalizeHost(task.source.registry));
  const pushed = hub ? apiRepo('docker.io', event.repo) : event.repo;
  const out: PushedImage[] = [];
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
    out.push({ mapping: m.index, repo, tag: event.tag });
  }
  return out;
}
