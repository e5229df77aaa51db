/**
 * What a `script` lister's command printed (pure): one image reference per line, `repo`,
 * `repo:tag`, `repo@digest` or `repo:tag@digest`, optionally with the source's own host in
 * front (`registry.example.com/team/app:1.0`, as `docker pull` takes it). Blank lines and `#`
 * comments (whole lines, or after a space) are ignored. A line that is no such reference is a
 * problem with its line number; the other lines still count, so one typo costs one image.
 *
 * A line with only a repository selects that repository as a catalog lister would (the
 * mapping's `tags` decide, from the registry's tag list); a line with a tag or digest names that
 * image, and the repository's tags are then the lines' tags, not the registry's.
 */
import { escapeControls } from '../errors.js';
import type { ImageRef } from '../relay/relay.js';

export interface ListedRepo {
  /** Some line named the repository alone: its tags come from the registry. */
  allTags: boolean;
  /** Tags the lines named (without a digest). */
  tags: string[];
  /** References the lines pinned by digest (`repo@digest`, `repo:tag@digest`). */
  pinned: ImageRef[];
}

export interface ScriptProblem {
  /** 1-based. */
  line: number;
  message: string;
}

export interface ScriptListing {
  /** Repository paths (no leading slash) in the order the script first printed them. */
  repos: string[];
  byRepo: Map<string, ListedRepo>;
  problems: ScriptProblem[];
}

// The distribution spec's grammar (docker/distribution reference), lower case only.
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const PATH = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;
const MAX_QUOTED = 120;

function quote(text: string): string {
  const cut = text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text;
  return `'${escapeControls(cut)}'`;
}

/** docker's rule: a first component with a dot or a colon, or `localhost`, is a registry host. */
function splitHost(ref: string): { host: string | undefined; rest: string } {
  const slash = ref.indexOf('/');
  if (slash < 0) return { host: undefined, rest: ref };
  const first = ref.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost') return { host: first, rest: ref.slice(slash + 1) };
  return { host: undefined, rest: ref };
}

type Parsed = { repo: string; tag: string | undefined; digest: string | undefined } | { error: string };

/** One reference; `isSource(host)` says whether a host in front is the task's source registry. */
export function parseImageLine(text: string, isSource: (host: string) => boolean): Parsed {
  if (/\s/.test(text)) return { error: `${quote(text)} is not one image reference (it holds spaces)` };
  const { host, rest } = splitHost(text);
  if (host !== undefined && !isSource(host)) {
    return { error: `${quote(text)} names registry '${escapeControls(host)}', which is not the task's source: a task copies from one registry` };
  }
  const at = rest.indexOf('@');
  const digest = at >= 0 ? rest.slice(at + 1) : undefined;
  const name = at >= 0 ? rest.slice(0, at) : rest;
  const colon = name.lastIndexOf(':');
  const tag = colon >= 0 ? name.slice(colon + 1) : undefined;
  const repo = colon >= 0 ? name.slice(0, colon) : name;
  if (!PATH.test(repo)) return { error: `${quote(text)}: '${escapeControls(repo)}' is no repository path (lower-case letters, digits, '.', '_', '-', '/')` };
  if (tag !== undefined && !TAG.test(tag)) return { error: `${quote(text)}: '${escapeControls(tag)}' is no tag` };
  if (digest !== undefined && !DIGEST.test(digest)) return { error: `${quote(text)}: '${escapeControls(digest)}' is no digest (e.g. sha256:<64 hex digits>)` };
  return { repo, tag, digest };
}

/** Strips a `#` comment: the whole line, or from a `#` that follows whitespace. */
function withoutComment(line: string): string {
  const t = line.trim();
  if (t.startsWith('#')) return '';
  const m = /\s#/.exec(t);
  return (m ? t.slice(0, m.index) : t).trim();
}

export function parseScriptOutput(stdout: string, isSource: (host: string) => boolean): ScriptListing {
  const listing: ScriptListing = { repos: [], byRepo: new Map(), problems: [] };
  stdout.split(/\r?\n/).forEach((raw, i) => {
    const text = withoutComment(raw);
    if (text === '') return;
    const parsed = parseImageLine(text, isSource);
    if ('error' in parsed) {
      listing.problems.push({ line: i + 1, message: parsed.error });
      return;
    }
    let entry = listing.byRepo.get(parsed.repo);
    if (!entry) {
      entry = { allTags: false, tags: [], pinned: [] };
      listing.byRepo.set(parsed.repo, entry);
      listing.repos.push(parsed.repo);
    }
    if (parsed.digest !== undefined) {
      if (!entry.pinned.some((r) => r.digest === parsed.digest && r.tag === parsed.tag)) entry.pinned.push({ tag: parsed.tag, digest: parsed.digest });
    } else if (parsed.tag !== undefined) {
      if (!entry.tags.includes(parsed.tag)) entry.tags.push(parsed.tag);
    } else entry.allTags = true;
  });
  return listing;
}
