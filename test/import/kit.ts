/** Runs an import on fixture files the way the CLI does, and reads back what it printed. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseConfigText, type LoadedConfig } from '../../src/config/load.js';
import { FORMATS, importConfig } from '../../src/import/import-config.js';
import { formatWhere, type DraftConfig, type DraftTask, type ImportResult } from '../../src/import/import-result.js';
import { dropWarnings, renderImport } from '../../src/import/render-yaml.js';

export const fixtures = fileURLToPath(new URL('../fixtures/import/', import.meta.url));

export interface Converted {
  result: ImportResult;
  /** The printed YAML, header comments included. */
  text: string;
  /** The printed YAML read back as plain data. */
  data: Omit<DraftConfig, 'tasks'> & { tasks: DraftTask[] };
  /** `path: reason` of every dropped option (file and line left out). */
  dropped: string[];
  /** The config as dregsy loads it, every required variable set to a valid auth value. */
  loaded: LoadedConfig;
  /** Standard error lines the CLI would print. */
  warnings: string[];
}

/** `files` are names under test/fixtures/import/. */
export function convert(format: string, files: string[], args: string[] = []): Converted {
  const f = FORMATS[format];
  assert.ok(f, `no format ${format}`);
  const result = importConfig(
    f,
    files.map((name) => ({ name, text: readFileSync(`${fixtures}${name}`, 'utf8') })),
    args,
  );
  const text = renderImport(result);
  const env = Object.fromEntries(result.env.map((e) => [e.name, e.name.startsWith('DREGSY_AUTH_') ? Buffer.from('user:pw').toString('base64') : 'example.net']));
  const loaded = parseConfigText(text, 'imported.yaml', env);
  return {
    result,
    text,
    data: parse(text) as Converted['data'],
    dropped: result.dropped.map((d) => `${d.at.path || formatWhere(d.at)}: ${d.reason}`),
    loaded,
    warnings: dropWarnings(result),
  };
}

/** None of `secrets` appears anywhere in what the import printed (stdout and stderr). */
export function assertNoSecrets(c: Converted, secrets: string[]): void {
  const printed = [c.text, ...c.warnings, ...c.result.env.map((e) => `${e.name} ${e.holds} ${e.command ?? ''}`)].join('\n');
  for (const s of secrets) assert.ok(!printed.includes(s), `secret '${s}' was printed`);
}

/** Just the option paths of the dropped list, in order. */
export function droppedPaths(c: Converted): string[] {
  return c.result.dropped.map((d) => d.at.path);
}
