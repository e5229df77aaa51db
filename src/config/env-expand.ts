/**
 * `${NAME}` in the config's values, replaced by the environment variable NAME, so a config
 * can take its secrets from the environment (dregsy's README tells users to run envsubst).
 *
 * A valid dregsy config must keep its meaning, and dregsy gives `$` meanings of its own, so:
 * - only values are expanded, after the YAML is parsed: never comments or keys, and a value
 *   is never read as YAML again (a variable holding `[a]` or `x: y` stays that text);
 * - regexes are left alone, because Go gives `${1}` and `${name}` their meaning there: a
 *   `from` or `to` that starts with `regex:` (the replacement of `to: regex:<expr>,<repl>`
 *   names capture groups) and `regex:` / `keep:` tag filters;
 * - so are an after-sync hook's `args`: a shell hook (`args: [-c, 'echo ${DREGSY_TASK}']`)
 *   expands them itself when it runs, with the variables of that run;
 * - only `${NAME}` with NAME of letters, digits and `_` (not starting with a digit) is a
 *   reference; anything else (`$1`, `${1}`, `${a.b}`, a bare `$` as in `^v1$`) stays as
 *   written; `$${` writes a literal `${`.
 * An unset variable is an error naming it; a value that comes out empty is not set, as an
 * empty YAML value would be. Values never appear in a message: they may be secrets.
 */
import type { ConfigPath, PathSegment } from './config-path.js';
import type { YamlData, YamlObject } from './yaml-source.js';

export type Vars = Readonly<Record<string, string | undefined>>;

export interface ExpandFinding {
  severity: 'error' | 'warning';
  path: ConfigPath;
  message: string;
}

export interface ExpandResult {
  data: YamlData;
  findings: ExpandFinding[];
}

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
/** Shell forms envsubst-like tools know (`${X:-default}`, `${X-d}`, `${X:=d}`, `${X?}`): not expanded, said so. */
const SHELL_FORM = /\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[-=?+])[^}]*\}/;

/** Pure: `data` with `${NAME}` replaced in every value outside dregsy's regexes, and what went wrong. */
export function expandEnvValues(data: YamlData, vars: Vars): ExpandResult {
  const findings: ExpandFinding[] = [];
  const walk = (value: YamlData, path: PathSegment[]): YamlData => {
    if (value === null) return null;
    if (typeof value === 'string') return isExpanded(path, value) ? expandValue(value, path, vars, findings) : value;
    if (Array.isArray(value)) return value.map((item, i) => walk(item, [...path, i]));
    const out: YamlObject = Object.create(null) as YamlObject;
    for (const [key, item] of Object.entries(value)) out[key] = walk(item, [...path, key]);
    return out;
  };
  return { data: walk(data, []), findings };
}

/** Whether `${NAME}` in the value at `path` is taken from the environment (import's writer asks too). */
export function isExpanded(path: ConfigPath, value: string): boolean {
  return !isDregsyRegex(path, value) && !isHookArg(path) && !isScriptArg(path);
}

/** Where dregsy reads the value as a Go regex or replacement: `$` is dregsy's there. */
export function isDregsyRegex(path: ConfigPath, value: string): boolean {
  const [tasks, , mappings, , field, , ...rest] = path;
  if (tasks !== 'tasks' || mappings !== 'mappings' || rest.length > 0) return false;
  if ((field === 'from' || field === 'to') && path.length === 5) return value.startsWith('regex:');
  if (field === 'tags' && path.length === 6) {
    const item = value.trim();
    return item.startsWith('regex:') || item.startsWith('keep:');
  }
  return false;
}

/** `tasks[i].source.lister.args[k]` of a script lister: as for a hook, its program reads `$` itself. */
export function isScriptArg(path: ConfigPath): boolean {
  return path.length === 6 && path[0] === 'tasks' && path[2] === 'source' && path[3] === 'lister' && path[4] === 'args';
}

/** `tasks[i].hooks.after-sync.args[k]`: the hook's program (often a shell) reads `$` itself. */
export function isHookArg(path: ConfigPath): boolean {
  return path.length === 6 && path[0] === 'tasks' && path[2] === 'hooks' && path[3] === 'after-sync' && path[4] === 'args';
}

function expandValue(text: string, path: PathSegment[], vars: Vars, findings: ExpandFinding[]): string | null {
  if (!text.includes('${')) return text;
  if (SHELL_FORM.test(text)) {
    findings.push({ severity: 'warning', path, message: "only '${NAME}' is replaced from the environment: shell forms such as '${NAME:-default}' stay as written" });
  }
  let referenced = false;
  const out = text.replace(REFERENCE, (match, name: string | undefined) => {
    if (name === undefined) return '${'; // `$${`
    referenced = true;
    const value = vars[name];
    if (value === undefined) {
      findings.push({ severity: 'error', path, message: `environment variable '${name}' is not set` });
      return match;
    }
    return value;
  });
  // An empty value leaves the field unset, as `key:` with nothing after it does.
  return referenced && out === '' ? null : out;
}
