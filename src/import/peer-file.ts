/**
 * A peer tool's file, read as YAML (JSON is YAML) with the line of every path, and checked
 * against that peer's zod schema. A file the peer itself could not read (bad YAML, a list
 * where a mapping belongs) is an input error: every problem at once, each with file and
 * line, and the import stops (exit 2). Keys the schema does not know are not errors: the
 * peers ignore unknown keys too, but we cannot convert them, so they are dropped with a note.
 */
import type { z } from 'zod';
import { formatPath, type ConfigPath } from '../config/config-path.js';
import { findUnknownKeys } from '../config/unknown-keys.js';
import { readYamlSource, type YamlData } from '../config/yaml-source.js';
import { formatWhere, type Where } from './import-result.js';

export interface PeerFile {
  name: string;
  data: YamlData | undefined;
  at(path: ConfigPath): Where;
}

export interface InputProblem {
  at: Where;
  message: string;
}

/** The peer's input cannot be read or is not what the peer accepts; nothing is converted. */
export class ImportInputError extends Error {
  readonly problems: InputProblem[];
  constructor(problems: InputProblem[]) {
    super(problems.map((p) => `${formatWhere(p.at)}: ${p.message}`).join('\n'));
    this.name = 'ImportInputError';
    this.problems = problems;
  }
}

export function inputError(at: Where, message: string): ImportInputError {
  return new ImportInputError([{ at, message }]);
}

export function readPeerFile(name: string, text: string): PeerFile {
  const source = readYamlSource(text);
  const at = (path: ConfigPath): Where => ({ file: name, line: source.lineOf(path), path: formatPath(path) });
  if (source.errors.length > 0) {
    throw new ImportInputError(source.errors.map((e) => ({ at: { file: name, line: e.line, path: e.path }, message: e.message })));
  }
  return { name, data: source.data, at };
}

/** Problems of `data` (at `path` in `file`) against `schema`, in the file's words. */
export function schemaProblems(schema: z.ZodType, data: unknown, file: PeerFile, path: ConfigPath = []): InputProblem[] {
  const result = schema.safeParse(data, { error: yamlTypeMessage });
  if (result.success) return [];
  return result.error.issues.map((issue) => ({
    at: file.at([...path, ...issue.path.filter((p): p is string | number => typeof p !== 'symbol')]),
    message: issue.message,
  }));
}

/** Parses `data` with `schema`, or throws every problem at once. */
export function parsePeer<S extends z.ZodType>(schema: S, data: unknown, file: PeerFile, path: ConfigPath = []): z.output<S> {
  const problems = schemaProblems(schema, data, file, path);
  if (problems.length > 0) throw new ImportInputError(problems);
  return schema.parse(data) as z.output<S>;
}

/** Keys `schema` does not know (x-* extension keys are skipped), each a drop reason for `peer`. */
export function unknownKeys(schema: z.ZodType, data: unknown, file: PeerFile, peer: string, path: ConfigPath = []): { at: Where; reason: string }[] {
  return findUnknownKeys(schema, data, [...path]).map((f) => {
    const suggestion = /did you mean '([^']+)'/.exec(f.message)?.[1];
    return { at: file.at(f.path), reason: `unknown ${peer} option${suggestion ? ` (did you mean '${suggestion}'?)` : ''}; not converted` };
  });
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `'${String(v)}'`;
}

const yamlTypeMessage: z.core.$ZodErrorMap = (iss) => {
  if (iss.code !== 'invalid_type') return undefined;
  const expected = iss.expected === 'object' ? 'a mapping' : iss.expected === 'array' ? 'a list' : String(iss.expected);
  return `expected ${expected}, got ${describe(iss.input)}`;
};
