/**
 * The option tables of every format as Markdown, for docs/importing.md: the tables are the
 * conversion, so the docs are generated from them (scripts/import-docs.ts rewrites the blocks
 * between `<!-- import-tables:FORMAT -->` markers, and a test checks they are current).
 */
import { describeTable } from './option-table.js';
import type { PeerFormat } from './peer-format.js';

const KIND = { convert: '', same: 'no key needed: ', drop: '**not converted**: ' } as const;

/** A table cell: `|` would end it, `<name>` would read as an HTML tag. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('<', '&lt;');
}

export function formatTablesMarkdown(format: PeerFormat): string {
  const out: string[] = [];
  for (const { level, table } of format.tables) {
    out.push(`**${level}**`, '', '| option | in dregsy |', '| --- | --- |');
    for (const row of describeTable(table)) out.push(`| \`${row.option}\` | ${KIND[row.kind]}${cell(row.text)} |`);
    out.push('');
  }
  return out.join('\n').trimEnd();
}

export function startMarker(format: string): string {
  return `<!-- import-tables:${format} (generated from src/import by scripts/import-docs.ts) -->`;
}

export function endMarker(format: string): string {
  return `<!-- /import-tables:${format} -->`;
}

/** `doc` with each format's block replaced by its current tables; blocks must exist. */
export function withCurrentTables(doc: string, formats: readonly PeerFormat[]): string {
  let out = doc;
  for (const f of formats) {
    const start = out.indexOf(startMarker(f.name));
    const end = out.indexOf(endMarker(f.name));
    if (start < 0 || end < start) throw new Error(`docs/importing.md has no block for ${f.name}`);
    out = `${out.slice(0, start + startMarker(f.name).length)}\n${formatTablesMarkdown(f)}\n${out.slice(end)}`;
  }
  return out;
}
