/**
 * For `LOG_METHODS=true` (dregsy: logrus' ReportCaller): the TypeScript function and
 * file:line a log call was made from, given the stack frame of the minified bundle. The place
 * comes from the bundle's source map (read on first use, as stack-trace.ts reads it); the
 * function's name from the original source the map carries, because minification renames
 * functions (keeping their names would cost every start ~10% more CPU for a debug aid).
 */
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileMapLoader, type MapLoader } from './stack-trace.js';

/** `    at fn (/x/dregsy.cjs:1:234)`, `    at /x/dregsy.cjs:1:234`, or the same with a file:// URL */
const FRAME = /^\s*at (?:async )?(?:(.*?) \()?((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?$/;

/** A named function, method or function-valued binding whose body a `{` opens (TypeScript). */
const DECLARATIONS = [
  /\bfunction\s*\*?\s*([A-Za-z_$][\w$]*)\s*[<(]/g,
  /(?:^|[\s;{},])(?:(?:public|private|protected|static|async|override|get|set)\s+)*([A-Za-z_$][\w$]*)\s*(?:<[^>]*>)?\([^()]*(?:\([^()]*\)[^()]*)*\)\s*(?::[^{;=]*)?\{/g,
  /\b([A-Za-z_$][\w$]*)\s*[:=]\s*(?:async\s*)?(?:\([^()]*(?:\([^()]*\)[^()]*)*\)|[A-Za-z_$][\w$]*)\s*(?::[^=]*)?=>\s*\{/g,
];
const NOT_NAMES = new Set(['if', 'for', 'while', 'switch', 'catch', 'return', 'function', 'constructor', 'super', 'await']);
/** How far up a declaration is looked for. */
const MAX_LINES_UP = 400;

/** The name a declaration on this text gives the last block it opens, if any. */
function declaredName(text: string): string | undefined {
  let best: { at: number; name: string } | undefined;
  for (const pattern of DECLARATIONS) {
    for (const m of text.matchAll(pattern)) {
      const name = m[1];
      if (name && !NOT_NAMES.has(name) && (!best || m.index >= best.at)) best = { at: m.index, name };
    }
  }
  return best?.name;
}

/**
 * The function `line` (0-based) of `source` is in: going up, blocks closed on the way are
 * skipped, and the first block still open is named by its declaration (which may start a few
 * lines above its `{`). Blocks without a name (`if`, an anonymous callback) are passed through.
 */
export function enclosingName(source: string, line: number): string | undefined {
  const lines = source.split('\n');
  let depth = 0;
  for (let i = Math.min(line, lines.length) - 1; i >= 0 && i >= line - MAX_LINES_UP; i--) {
    // string contents and comments are not code: their braces do not count
    const code = (lines[i] ?? '').replace(/(['"`])(?:\\.|(?!\1).)*\1/g, "''").replace(/\/\/.*$/, '');
    for (let c = code.length - 1; c >= 0; c--) {
      if (code[c] === '}') depth++;
      else if (code[c] === '{' && --depth < 0) {
        const name = declaredName(`${lines.slice(Math.max(0, i - 4), i).join(' ')} ${code.slice(0, c + 1)}`);
        if (name) return name;
        depth = 0;
      }
    }
  }
  return undefined;
}

export interface LogCaller {
  func: string;
  file: string;
}

/** A frame → TypeScript function and `src/…:line`; the frame's own name and place when no map knows it. */
export function logCallerLocator(load: MapLoader = fileMapLoader()): (frame: string) => LogCaller | undefined {
  return (frame) => {
    const m = FRAME.exec(frame);
    if (!m) return undefined;
    const [, fn, location = '', lineText = '0', columnText = '0'] = m;
    const file = location.startsWith('file://') ? fileURLToPath(location) : location;
    const map = load(file);
    const entry = map?.findEntry(Number(lineText) - 1, Number(columnText) - 1) as Partial<{ originalSource: string; originalLine: number }> | undefined;
    if (!map || entry?.originalSource === undefined || entry.originalLine === undefined) return { func: fn ?? '<anonymous>', file: `${file}:${lineText}` };
    const source = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : resolve(dirname(file), entry.originalSource);
    const index = map.payload.sources.indexOf(entry.originalSource);
    const content = (map.payload as { sourcesContent?: Array<string | null> }).sourcesContent?.[index];
    const at = source.lastIndexOf('/src/');
    return {
      func: (content ? enclosingName(content, entry.originalLine) : undefined) ?? fn ?? '<anonymous>',
      file: `${at >= 0 ? source.slice(at + 1) : relative(process.cwd(), source)}:${entry.originalLine + 1}`,
    };
  };
}
