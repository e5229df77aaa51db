/**
 * Reading a config file: YAML → plain data with lines → schema + dregsy's rules + unknown
 * keys, every problem found at once, each with its path and line.
 */
import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { authFileProblems } from '../auth/read-auth-file.js';
import { ConfigError, errorMessage, type ConfigProblem } from '../errors.js';
import { readTextFile, TextFileError } from '../files/read-text-file.js';
import { formatPath, type PathSegment } from './config-path.js';
import { expandEnvValues, type Vars } from './env-expand.js';
import type { Finding } from './finding.js';
import { checkRules, taskNameAt, withLocationPrefix } from './rules.js';
import { configSchema, type Config } from './schema.js';
import { findUnknownKeys } from './unknown-keys.js';
import { readYamlSource, type YamlSource } from './yaml-source.js';

export interface LoadedConfig {
  file: string;
  config: Config;
  warnings: ConfigProblem[];
}

/** A config that cannot be used; also carries the warnings, which often explain the errors (a typo'd key). */
export class InvalidConfigError extends ConfigError {
  readonly warnings: ConfigProblem[];
  constructor(file: string, problems: ConfigProblem[], warnings: ConfigProblem[]) {
    super(file, problems);
    this.name = 'InvalidConfigError';
    this.warnings = warnings;
  }
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  // a value can be a whole line of garbage: show its start, enough to find it
  const text = String(v);
  return `'${text.length > 80 ? `${text.slice(0, 77)}...` : text}'`;
}

/** Messages for the issues the schema leaves to zod's defaults, in the words of a YAML file. */
const yamlTypeMessages: z.core.$ZodErrorMap = (iss) => {
  if (iss.code !== 'invalid_type') return undefined;
  const expected = iss.expected === 'object' ? 'a mapping' : iss.expected === 'array' ? 'a list' : String(iss.expected);
  return `expected ${expected}, got ${describeValue(iss.input)}`;
};

/** The config as the schema reads it, or what is wrong with it. */
function schemaFindings(data: unknown): { config: Config | undefined; findings: Finding[] } {
  const result = configSchema.safeParse(data, { error: yamlTypeMessages });
  if (result.success) return { config: result.data, findings: [] };
  const findings = result.error.issues.map((issue) => ({
    severity: 'error' as const,
    path: issue.path.filter((p): p is PathSegment => typeof p !== 'symbol'),
    message: issue.message,
  }));
  return { config: undefined, findings };
}

function toProblems(findings: Finding[], source: YamlSource): ConfigProblem[] {
  const seen = new Set<string>();
  const problems: ConfigProblem[] = [];
  for (const f of findings) {
    const path = formatPath(f.path);
    const key = `${path}\0${f.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ path, line: source.lineOf(f.path), message: f.message });
  }
  // in file order; whole-file problems (no line) first; stable for problems on one line
  return problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

/**
 * Parses and checks a config's text. Pure; throws `ConfigError` listing every problem.
 * With `env`, `${VAR}` references in values are replaced first (env-expand.ts says where).
 */
export function parseConfigText(text: string, file: string, env?: Vars): LoadedConfig {
  const source = readYamlSource(text);
  if (source.errors.length > 0) throw new InvalidConfigError(file, source.errors, source.warnings);
  // an empty file is an empty config, as for yaml.v2
  let data = source.data ?? {};
  const expandWarnings: Finding[] = [];
  if (env) {
    const expanded = expandEnvValues(data, env);
    const errors = expanded.findings.filter((f) => f.severity === 'error');
    expandWarnings.push(...expanded.findings.filter((f) => f.severity === 'warning'));
    // Nothing else is checked with a variable missing: its `${X}` text would only add noise.
    if (errors.length > 0) throw new InvalidConfigError(file, toProblems(errors, source), toProblems(expandWarnings, source));
    data = expanded.data ?? {};
  }
  const parsed = schemaFindings(data);
  const schema = parsed.findings.map((f) => withLocationPrefix(f, taskNameAt(data, f.path[1])));
  const findings = [...expandWarnings, ...schema, ...checkRules(data), ...findUnknownKeys(configSchema, data)];
  const errors = toProblems(findings.filter((f) => f.severity === 'error'), source);
  const warnings = [...source.warnings, ...toProblems(findings.filter((f) => f.severity === 'warning'), source)].sort(
    (a, b) => (a.line ?? 0) - (b.line ?? 0),
  );
  if (errors.length > 0) throw new InvalidConfigError(file, errors, warnings);
  // Read once (a config of 1,000 tasks takes a tenth of a second); an error in it is among `errors` above.
  const config = parsed.config ?? configSchema.parse(data);
  return { file, config, warnings };
}

/**
 * The most a config file may hold. The largest real configs are a few hundred tasks, well
 * under 1 MiB; the limit stops a wrong path (a log, an image, a device) before it fills
 * the memory.
 */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/**
 * Reads and checks a config file; `env` supplies the `${VAR}` values (the CLI passes its
 * environment). Only a regular UTF-8 text file of at most `MAX_CONFIG_BYTES` is read
 * (files/read-text-file.ts); an `auth-file` that is a FIFO, a device or a folder is refused
 * here too, since reading it at run time would hang or fail every run.
 */
export async function loadConfig(file: string, env?: Vars): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readTextFile(file, { maxBytes: MAX_CONFIG_BYTES });
  } catch (e) {
    const reason = e instanceof TextFileError ? e.reason : errorMessage(e);
    throw new ConfigError(file, [{ path: '', message: `error loading config file '${file}': ${reason}` }]);
  }
  if (text.trim() === '') throw new ConfigError(file, [{ path: '', message: "the config file is empty: it needs a list of 'tasks'" }]);
  const loaded = parseConfigText(text, file, env);
  const problems = await authFileProblems(loaded.config, dirname(resolve(file)));
  if (problems.length > 0) {
    const source = readYamlSource(text);
    throw new InvalidConfigError(
      file,
      problems.map((p) => ({ path: formatPath(p.path), line: source.lineOf(p.path), message: p.message })),
      loaded.warnings,
    );
  }
  return loaded;
}
