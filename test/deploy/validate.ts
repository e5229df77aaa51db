/**
 * Offline validation of rendered objects against the Kubernetes API schemas, with
 * kubernetes-models (and its prometheus-operator models for ServiceMonitor):
 * 1. each object through its model's JSON-Schema validator (types, enums, required fields);
 * 2. unknown fields: the validators allow them (as the API's schemas do), but the API server
 *    rejects them under strict field validation, kubectl's default. The same library's types
 *    catch them: each object is type-checked as a literal of its model's interface, and
 *    TypeScript's excess-property check names the first unknown field.
 */
import { join } from 'node:path';
import ts from 'typescript';
import { repoRoot } from '../e2e/dregsy-cli.js';
import type { K8sObject } from './render.js';

/** The module of an object's model: core `v1/Kind`, `group/version/Kind`, or a CRD package. */
function modelModule(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (group === 'monitoring.coreos.com') return `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`;
  return group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
}

interface ModelClass {
  new (data: unknown): { validate(): void };
}

/**
 * kustomize folds long base64 in a Secret's data over several lines; the API server's decoder
 * (Go's encoding/base64) skips line breaks, the validator's `byte` format does not.
 */
function withoutBase64Breaks(o: K8sObject): K8sObject {
  const data = o.kind === 'Secret' ? (o as { data?: Record<string, unknown> }).data : undefined;
  if (!data) return o;
  return { ...o, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, typeof v === 'string' ? v.replace(/[\r\n]/g, '') : v])) };
}

export interface Validator {
  schemaProblems(objects: readonly K8sObject[]): Promise<string[]>;
}

/** One per test file: it keeps the parsed type declarations between calls (parsing them is most of the time). */
export function createValidator(): Validator {
  const parsed = new Map<string, ts.SourceFile | undefined>();
  return { schemaProblems: (objects) => schemaProblems(objects, parsed) };
}

async function schemaProblems(objects: readonly K8sObject[], parsed: Map<string, ts.SourceFile | undefined>): Promise<string[]> {
  const problems: string[] = [];
  for (const o of objects) {
    const where = `${o.kind}/${o.metadata?.name}`;
    let Model: ModelClass | undefined;
    try {
      Model = ((await import(modelModule(o.apiVersion, o.kind))) as Record<string, ModelClass>)[o.kind];
    } catch {
      // no such model: reported below
    }
    if (!Model) {
      problems.push(`${where}: no model for ${o.apiVersion} ${o.kind}`);
      continue;
    }
    try {
      new Model(withoutBase64Breaks(o)).validate();
    } catch (e) {
      problems.push(`${where}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return problems.concat(unknownFields(objects, parsed));
}

function unknownFields(objects: readonly K8sObject[], parsed: Map<string, ts.SourceFile | undefined>): string[] {
  const file = join(repoRoot, 'test', 'deploy', '__rendered-manifests__.ts');
  const lines: string[] = [];
  const names: string[] = [];
  objects.forEach((o, i) => {
    lines.push(`import type { I${o.kind} as T${i} } from '${modelModule(o.apiVersion, o.kind)}';`);
    lines.push(`export const m${i}: T${i} = ${JSON.stringify(o, null, 1)};`);
    names.push(`${o.kind}/${o.metadata?.name}`);
  });
  const text = lines.join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (name, language, ...rest) => {
    if (name === file) return ts.createSourceFile(name, text, language);
    if (!parsed.has(name)) parsed.set(name, getSourceFile(name, language, ...rest));
    return parsed.get(name);
  };
  host.fileExists = (name) => name === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const at = d.file === undefined || d.start === undefined ? undefined : d.file.getLineAndCharacterOfPosition(d.start).line;
    // each object's literal starts on the line after its import; count back to find which one
    const index = at === undefined ? -1 : Math.floor(text.split('\n').slice(0, at + 1).filter((l) => l.startsWith('export const m')).length - 1);
    return `${names[index] ?? 'manifest'}: ${ts.flattenDiagnosticMessageText(d.messageText, '; ')}`;
  });
}
