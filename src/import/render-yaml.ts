/**
 * ImportResult → the commented YAML `dregsy import` prints. The header lists, in this order,
 * what was not converted, the environment variables and files to provide, and the decisions
 * that need no key; comments tied to parts of the config sit above them. Every header line
 * is a whole-line comment, which dregsy never expands (`${X}` there is safe); values keep a
 * literal `${` as `$${` where dregsy expands (not in its regexes or hook arguments) unless they
 * are one of the import's own `${NAME}` references.
 */
import { Document, isMap, isScalar, isSeq, type Node as YamlNode, type Pair } from 'yaml';
import { isExpanded } from '../config/env-expand.js';
import { escapeControls } from '../errors.js';
import { formatWhere, type ImportResult } from './import-result.js';

type Path = (string | number)[];

function pathsOf(value: unknown, path: Path, out: Map<object, Path>): void {
  if (typeof value !== 'object' || value === null) return;
  if (!out.has(value)) out.set(value, path);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...path, i], out));
  else for (const [k, v] of Object.entries(value)) pathsOf(v, [...path, k], out);
}

/** `${` becomes `$${` (a literal for dregsy), except where one of our own references starts. */
function escapeLiteralRefs(value: string, keep: ReadonlySet<string>): string {
  // a function, not a replacement string: there `$$` would mean one `$`
  return value.replace(/\$\{/g, (_m, at: number) => ([...keep].some((ref) => value.startsWith(ref, at)) ? '${' : '$${'));
}

/** Escapes only where dregsy expands: its regexes and hook arguments keep their `${…}` as written. */
function escapeValues(node: YamlNode | null | undefined, keep: ReadonlySet<string>, path: Path): void {
  if (!node) return;
  if (isScalar(node)) {
    if (typeof node.value === 'string' && isExpanded(path, node.value)) node.value = escapeLiteralRefs(node.value, keep);
  } else if (isMap(node)) {
    for (const pair of node.items as Pair<YamlNode, YamlNode>[]) escapeValues(pair.value, keep, [...path, String((pair.key as { value?: unknown } | null)?.value ?? pair.key)]);
  } else if (isSeq(node)) {
    (node.items as YamlNode[]).forEach((item, i) => escapeValues(item, keep, [...path, i]));
  }
}

function addComment(existing: string | null | undefined, text: string): string {
  // peers' values are quoted in comments: a YAML escape could put a line break or a terminal control in one
  const lines = ` ${escapeControls(text)}`;
  return existing ? `${existing}\n${lines}` : lines;
}

function header(r: ImportResult): string[] {
  const out: string[] = [`dregsy config converted by \`dregsy import --from ${r.format}\` from ${r.inputs.join(', ') || 'the command line'}.`];
  out.push('Check it with `dregsy check -config=FILE` (nothing is copied).');
  if (r.dropped.length > 0) {
    out.push('', `NOT CONVERTED (${r.dropped.length}): dregsy has no equivalent for these, so they are left out:`);
    for (const d of r.dropped) out.push(`  - ${formatWhere(d.at)}: ${d.reason}`);
  }
  if (r.env.length > 0) {
    out.push('', 'SET THESE ENVIRONMENT VARIABLES before running dregsy (values are not copied into this file;');
    out.push('for a credential you may instead write the same value to a file and use `auth-file: FILE` for `auth`):');
    for (const e of r.env) {
      out.push(`  ${e.name}: ${e.holds}; from ${e.from.map(formatWhere).join(', ')}`);
      if (e.command) out.push(`    ${e.command}`);
    }
  }
  if (r.files.length > 0) {
    out.push('', 'PROVIDE THESE FILES:');
    for (const f of r.files) out.push(`  ${f.path}: ${f.holds}; from ${formatWhere(f.from)}`);
  }
  if (r.notes.length > 0) {
    out.push('', 'NOTES (no key needed, or how the meaning was kept):');
    for (const n of r.notes) out.push(`  - ${n}`);
  }
  return out;
}

export function renderImport(r: ImportResult): string {
  const doc = new Document(r.config, { version: '1.1', aliasDuplicateObjects: false });
  const paths = new Map<object, Path>();
  pathsOf(r.config, [], paths);
  for (const c of r.comments) {
    const path = paths.get(c.on);
    if (!path) continue;
    const node = (path.length === 0 ? doc.contents : doc.getIn(path, true)) as YamlNode | undefined;
    if (!node) continue;
    if (c.key === undefined) {
      node.commentBefore = addComment(node.commentBefore, c.text);
      continue;
    }
    const pairs = isMap(node) ? (node.items as Pair<YamlNode, YamlNode>[]) : [];
    const index = pairs.findIndex((p) => isScalar(p.key) && p.key.value === c.key);
    const key = pairs[index]?.key;
    // The first key of a list item would put its comment after `- `: above the item reads better.
    if (index > 0 && isScalar(key)) key.commentBefore = addComment(key.commentBefore, c.text);
    else node.commentBefore = addComment(node.commentBefore, c.text);
  }
  escapeValues(doc.contents as YamlNode, r.envReferences, []);
  const head = header(r)
    .map((l) => (l === '' ? '#' : `# ${escapeControls(l)}`))
    .join('\n');
  return `${head}\n\n${doc.toString({ lineWidth: 0 })}`;
}

/** One line per dropped option, for standard error. */
export function dropWarnings(r: ImportResult): string[] {
  return r.dropped.map((d) => escapeControls(`warning: not converted: ${formatWhere(d.at)}: ${d.reason}`));
}
