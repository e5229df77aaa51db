/**
 * Stack traces in terms of the TypeScript sources. The CLI runs from a minified bundle with
 * linked source maps (scripts/bundle.mjs); Node's own `--enable-source-maps` would parse
 * every map at start, which costs about 0.1 s and 17 MB on each run, for a trace that is
 * printed on a bug only. So a trace is mapped here, when it is printed: each frame's
 * `<file>.map` is read, and a frame without one is kept as it is. Never a line of code, only
 * locations: a minified line is the whole bundle.
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `    at fn (/x/dregsy.cjs:1:234)`, `    at /x/dregsy.cjs:1:234`, or the same with a file:// URL */
const FRAME = /^(\s*at (?:async )?)(?:(.*?) \()?((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?$/;

export type MapLoader = (file: string) => SourceMap | undefined;

/** Reads and parses `<file>.map` once per file; undefined when there is none. */
export function fileMapLoader(): MapLoader {
  const cache = new Map<string, SourceMap | undefined>();
  return (file) => {
    if (!cache.has(file)) {
      let map: SourceMap | undefined;
      try {
        map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);
      } catch {
        map = undefined; // no map, or not one we can read: the frame stays as it is
      }
      cache.set(file, map);
    }
    return cache.get(file);
  };
}

/** One frame line, mapped to its original source when a map knows it. */
export function mapFrame(line: string, load: MapLoader): string {
  const m = FRAME.exec(line);
  if (!m) return line;
  const [, prefix = '', fn, location = '', lineText = '0', columnText = '0'] = m;
  const file = location.startsWith('file://') ? fileURLToPath(location) : location;
  const map = load(file);
  if (!map) return line;
  const entry = map.findEntry(Number(lineText) - 1, Number(columnText) - 1) as Partial<{ originalSource: string; originalLine: number; originalColumn: number }>;
  if (entry.originalSource === undefined || entry.originalLine === undefined || entry.originalColumn === undefined) {
    return `${prefix}${file}:${lineText}:${columnText}`; // a location without the minified name
  }
  const source = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : resolve(dirname(file), entry.originalSource);
  const where = `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  // A map with names belongs to minified code, whose function names mean nothing; a map
  // without (tsc's) comes with the real ones.
  const name = map.payload.names.length === 0 ? fn : undefined;
  return name ? `${prefix}${name} (${where})` : `${prefix}${where}`;
}

/** The frames of `e`'s stack (and of its causes), mapped; the message lines are left out. */
export function mappedTrace(e: unknown, load: MapLoader = fileMapLoader()): string {
  const parts: string[] = [];
  let current: unknown = e;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    const frames = (current.stack ?? '').split('\n').filter((l) => FRAME.test(l) || /^\s*at /.test(l));
    const head = `${depth === 0 ? '' : 'caused by '}${current.name}: ${current.message}`;
    parts.push([head, ...frames.map((l) => mapFrame(l, load))].join('\n'));
    current = current.cause;
  }
  return parts.join('\n');
}
