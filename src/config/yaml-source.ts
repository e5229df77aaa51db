/**
 * YAML text → plain data the schema reads, with the line of every path.
 *
 * Read like Go's yaml.v2 reads dregsy's config, so a file means the same here:
 * - every scalar is handed over as the text it was written as (plain or quoted), and the
 *   schema decides per field how to read it; plain `~`, `null`, `Null`, `NULL` and an empty
 *   value are null (the Go zero value);
 * - anchors and aliases are resolved, `<<` merge keys (one alias/mapping or a list of them)
 *   are applied;
 * - a key given again, in the same mapping or through `<<`, is decoded into what is already
 *   there: a scalar or list replaces the old value, a mapping is merged into the old mapping
 *   key by key. yaml.v2 applies a `<<` where it stands, so keys written after it win and keys
 *   written before it lose; of several merged mappings the first wins. Duplicate keys are no
 *   error in yaml.v2's non-strict `Unmarshal`, which dregsy uses; we warn about them.
 * - only the first document of the file is read.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { Document, Node as YamlNode, YAMLMap } from 'yaml';
import type { ConfigProblem } from '../errors.js';
import { formatPath, type ConfigPath, type PathSegment } from './config-path.js';
import { nestingProblem } from './yaml-depth.js';
import { YAML_NULL_WORDS } from './yaml-scalar.js';

export type YamlData = string | null | YamlData[] | YamlObject;
export interface YamlObject {
  [key: string]: YamlData;
}

export interface YamlSource {
  /** The first document as plain data; undefined when the file holds no document. */
  data: YamlData | undefined;
  /** Syntax errors (the file cannot be read) with their lines. */
  errors: ConfigProblem[];
  warnings: ConfigProblem[];
  /** The 1-based line of `path` (of its key, for a mapping entry), else of its nearest ancestor. */
  lineOf(path: ConfigPath): number | undefined;
}

/** More nodes than any config has: stops alias bombs (`a: &a [*b, *b, ...]`). */
const MAX_NODES = 200_000;
const STR_TAG = 'tag:yaml.org,2002:str';
const NULL_TAG = 'tag:yaml.org,2002:null';

export function readYamlSource(text: string): YamlSource {
  // before the YAML library, whose time grows with the square of the depth (yaml-depth.ts)
  const tooDeep = nestingProblem(text);
  if (tooDeep) return { data: undefined, errors: [{ path: '', line: tooDeep.line, message: tooDeep.message }], warnings: [], lineOf: () => undefined };
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, {
    version: '1.1',
    merge: true,
    uniqueKeys: false, // we report duplicates ourselves, as warnings (see header)
    prettyErrors: false,
    lineCounter,
  });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  const lines = new Map<string, number>();
  const lineOf = (path: ConfigPath): number | undefined => {
    for (let n = path.length; n > 0; n--) {
      const line = lines.get(formatPath(path.slice(0, n)));
      if (line !== undefined) return line;
    }
    return undefined;
  };

  if (!Array.isArray(docs) || docs.length === 0 || 'empty' in docs) {
    const info = 'empty' in docs ? docs : undefined;
    const errors = (info?.errors ?? []).map((e) => syntaxProblem(e.message, lineAt(e.pos[0])));
    return { data: undefined, errors, warnings: [], lineOf };
  }
  const [doc] = docs as [Document.Parsed, ...Document.Parsed[]];
  const warnings: ConfigProblem[] = doc.warnings.map((w) => ({ path: '', line: lineAt(w.pos[0]), message: `YAML: ${w.message}` }));
  if (docs.length > 1) {
    const second = docs[1]?.range[0];
    warnings.push({
      path: '',
      line: second === undefined ? undefined : lineAt(second),
      message: 'only the first YAML document of the file is read (as by dregsy); the others are ignored',
    });
  }
  if (doc.errors.length > 0) {
    return { data: undefined, errors: doc.errors.map((e) => syntaxProblem(e.message, lineAt(e.pos[0]))), warnings, lineOf };
  }
  const converter = new Converter(doc, lineAt, lines);
  try {
    const data = doc.contents === null ? undefined : converter.value(doc.contents, []);
    return { data, errors: converter.errors, warnings: [...warnings, ...converter.warnings], lineOf };
  } catch (e) {
    if (e instanceof StructureError) return { data: undefined, errors: [...converter.errors, e.problem], warnings, lineOf };
    throw e;
  }
}

function syntaxProblem(message: string, line: number): ConfigProblem {
  return { path: '', line, message: `YAML syntax error: ${message}` };
}

/** A structure yaml.v2 rejects outright (`<<` on a non-mapping, alias loops): no data at all. */
class StructureError extends Error {
  constructor(readonly problem: ConfigProblem) {
    super(problem.message);
  }
}

function isObject(v: YamlData | undefined): v is YamlObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function newObject(): YamlObject {
  // no prototype: a key named `__proto__` or `constructor` is just a key
  return Object.create(null) as YamlObject;
}

/** Decodes `source` into `target` the way yaml.v2 decodes into an existing value. */
function mergeInto(target: YamlObject, source: YamlObject): void {
  for (const key of Object.keys(source)) {
    const old = target[key];
    const value = source[key] as YamlData;
    if (isObject(old) && isObject(value)) mergeInto(old, value);
    else target[key] = value;
  }
}

class Converter {
  readonly errors: ConfigProblem[] = [];
  readonly warnings: ConfigProblem[] = [];
  private nodes = 0;
  private readonly resolving = new Set<unknown>();

  constructor(
    private readonly doc: Document.Parsed,
    private readonly lineAt: (offset: number) => number,
    private readonly lines: Map<string, number>,
  ) {}

  private nodeLine(node: unknown): number | undefined {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? this.lineAt(range[0]) : undefined;
  }

  private record(path: ConfigPath, line: number | undefined): void {
    if (line !== undefined && path.length > 0) this.lines.set(formatPath(path), line);
  }

  /** Follows aliases to the node they name. */
  private deref(node: unknown, path: ConfigPath): unknown {
    let current = node;
    for (let hops = 0; isAlias(current); hops++) {
      const target = current.resolve(this.doc);
      if (target === undefined || hops > 100) {
        throw new StructureError({
          path: formatPath(path),
          line: this.nodeLine(current),
          message: `YAML: unknown anchor '${current.source}' referenced`,
        });
      }
      current = target;
    }
    return current;
  }

  value(node: unknown, path: PathSegment[]): YamlData {
    if (++this.nodes > MAX_NODES) {
      throw new StructureError({ path: formatPath(path), line: this.nodeLine(node), message: 'YAML: document is too large (aliases expand too far)' });
    }
    const target = this.deref(node, path);
    if (this.resolving.has(target)) {
      throw new StructureError({ path: formatPath(path), line: this.nodeLine(node), message: 'YAML: an alias refers to the node that contains it' });
    }
    if (isScalar(target)) return scalarText(target);
    if (target === null || target === undefined) return null;
    this.resolving.add(target);
    try {
      if (isSeq(target)) {
        return target.items.map((item, i) => {
          const itemPath = [...path, i];
          this.record(itemPath, this.nodeLine(item));
          return this.value(item, itemPath);
        });
      }
      if (isMap(target)) {
        const out = newObject();
        this.applyMapping(out, target, path);
        return out;
      }
    } finally {
      this.resolving.delete(target);
    }
    throw new StructureError({ path: formatPath(path), line: this.nodeLine(node), message: 'YAML: unsupported node' });
  }

  /** Applies one mapping node's entries to `out`, in order; returns the keys it set. */
  private applyMapping(out: YamlObject, map: YAMLMap, path: PathSegment[]): Set<string> {
    const setHere = new Map<string, number | undefined>(); // key → line, for this node's own entries
    const touched = new Set<string>();
    for (const pair of map.items) {
      const keyNode = this.deref(pair.key, path);
      const keyLine = this.nodeLine(pair.key) ?? this.nodeLine(pair.value);
      if (isScalar(keyNode) && keyNode.type === 'PLAIN' && keyNode.source === '<<' && !keyNode.tag) {
        const merged = this.applyMerge(out, pair.value, path, keyLine);
        for (const key of merged) {
          touched.add(key);
          if (setHere.has(key)) {
            this.warnings.push({
              path: formatPath([...path, key]),
              line: setHere.get(key),
              message: `the '<<' merge on line ${keyLine ?? '?'} sets this key again; as in dregsy (yaml.v2), the merged value overrides this one`,
            });
          }
        }
        continue;
      }
      if (!isScalar(keyNode)) {
        this.warnings.push({ path: formatPath(path), line: keyLine, message: 'a mapping or list used as a key is ignored' });
        continue;
      }
      const key = scalarText(keyNode) ?? '';
      const keyPath = [...path, key];
      const value = this.value(pair.value, keyPath);
      const previousLine = setHere.get(key);
      if (setHere.has(key)) {
        this.warnings.push({
          path: formatPath(keyPath),
          line: keyLine,
          message: isObject(value) && isObject(out[key])
            ? `key given twice (also on line ${previousLine ?? '?'}); as in dregsy, both mappings are merged and the later keys win`
            : `key given twice (also on line ${previousLine ?? '?'}); as in dregsy, the later value is used`,
        });
      }
      this.record(keyPath, keyLine);
      assign(out, key, value);
      setHere.set(key, keyLine);
      touched.add(key);
    }
    return touched;
  }

  /** `<<: *a` or `<<: [*a, *b]`: like yaml.v2, the list is applied last to first, so the first wins. */
  private applyMerge(out: YamlObject, valueNode: unknown, path: PathSegment[], line: number | undefined): Set<string> {
    const wantMap = (): never => {
      throw new StructureError({
        path: formatPath(path),
        line,
        message: 'YAML: map merge requires map or sequence of maps as the value',
      });
    };
    const touched = new Set<string>();
    const mergeOne = (node: unknown): void => {
      const source = this.deref(node, path);
      if (!isMap(source)) wantMap();
      if (this.resolving.has(source)) {
        throw new StructureError({ path: formatPath(path), line, message: 'YAML: an alias refers to the node that contains it' });
      }
      this.resolving.add(source);
      try {
        for (const key of this.applyMapping(out, source as YAMLMap, path)) touched.add(key);
      } finally {
        this.resolving.delete(source);
      }
    };
    const value = this.deref(valueNode, path);
    if (isSeq(value)) {
      for (const item of [...value.items].reverse()) mergeOne(item);
    } else if (isMap(value)) {
      mergeOne(valueNode);
    } else {
      wantMap();
    }
    return touched;
  }
}

function assign(out: YamlObject, key: string, value: YamlData): void {
  const old = out[key];
  if (isObject(old) && isObject(value)) mergeInto(old, value);
  else out[key] = value;
}

function scalarText(node: YamlNode & { source?: unknown; value?: unknown; type?: string; tag?: string }): string | null {
  if (node.tag === NULL_TAG) return null;
  const text = typeof node.source === 'string' ? node.source : node.value == null ? '' : String(node.value);
  if (node.tag !== STR_TAG && node.type === 'PLAIN' && YAML_NULL_WORDS.has(text)) return null;
  return text;
}
