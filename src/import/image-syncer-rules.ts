/**
 * image-syncer's image rules (`pkg/utils/url.go` `GenerateRepoURLs`, `pkg/task/rule.go`):
 * a source is `registry/namespace/repo` with nothing (every tag), `:tag`, `:tag1,tag2`,
 * `@sha256:…` or `:/regex/` (unanchored); a destination without a tag takes the source's tags,
 * one with tags renames them one to one. dregsy cannot rename tags, so only a destination
 * whose tags equal the source's converts.
 */
import { isTag, parseImageReference, type ImageName } from './image-reference.js';
import { unanchoredPattern } from './regex-pattern.js';

export type Selection = { kind: 'all' } | { kind: 'tags'; tags: string[] } | { kind: 'digest'; digest: string } | { kind: 'regex'; regex: string };

export interface RuleRef {
  registry: string;
  path: string;
  select: Selection;
}

export function parseRuleRef(text: string): RuleRef | { error: string } {
  const regexAt = text.indexOf(':/');
  if (regexAt >= 0) {
    const body = text.slice(regexAt + 2);
    if (!body.endsWith('/')) return { error: 'a tag regex must start and end with "/"' };
    const name = parseImageReference(text.slice(0, regexAt));
    if ('error' in name) return name;
    if (name.tag || name.digest) return { error: 'a tag regex goes right after the repository' };
    return { registry: name.registry, path: name.path, select: { kind: 'regex', regex: body.slice(0, -1) } };
  }
  const [first, ...more] = text.split(',');
  const name = parseImageReference(first!);
  if ('error' in name) return name;
  if (more.length > 0) {
    if (!name.tag) return { error: 'several tags need the first one after a colon (repo:tag1,tag2)' };
    const bad = more.find((t) => !isTag(t));
    if (bad !== undefined) return { error: `invalid tag '${bad}'` };
    return { registry: name.registry, path: name.path, select: { kind: 'tags', tags: [name.tag, ...more] } };
  }
  return { registry: name.registry, path: name.path, select: selectionOf(name) };
}

function selectionOf(n: ImageName): Selection {
  if (n.digest) return { kind: 'digest', digest: n.digest };
  if (n.tag) return { kind: 'tags', tags: [n.tag] };
  return { kind: 'all' };
}

/** The dregsy `tags` for a source selection and a destination's, or why there are none. */
export function tagsFor(src: Selection, dst: Selection): { tags: string[] | undefined } | { error: string } {
  if (dst.kind === 'regex') return { error: 'a tag regex in a destination' };
  if (dst.kind === 'all') {
    if (src.kind === 'all') return { tags: undefined };
    if (src.kind === 'tags') return { tags: src.tags };
    if (src.kind === 'digest') return { tags: [src.digest] };
    return { tags: [`regex: ${unanchoredPattern(src.regex)}`] };
  }
  if (dst.kind === 'digest') {
    if (src.kind === 'digest' && src.digest === dst.digest) return { tags: [src.digest] };
    return { error: 'a destination digest that is not the source digest' };
  }
  // destination tags: one per source tag, by position
  if (src.kind === 'digest' && dst.tags.length === 1) return { tags: [`${dst.tags[0]}@${src.digest}`] };
  if (src.kind === 'tags' && src.tags.length === dst.tags.length && src.tags.every((t, i) => t === dst.tags[i])) return { tags: src.tags };
  if (src.kind === 'tags' && src.tags.length !== dst.tags.length) return { error: 'a different number of source and destination tags (image-syncer fails on it too)' };
  return { error: `tags renamed on the way (${describe(src)} → ${dst.tags.join(',')}): dregsy keeps tag names` };
}

function describe(s: Selection): string {
  return s.kind === 'tags' ? s.tags.join(',') : s.kind === 'digest' ? s.digest : s.kind === 'regex' ? `/${s.regex}/` : 'every tag';
}
