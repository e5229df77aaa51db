/**
 * What an import produces, whatever the peer format: the dregsy config as data, comments tied
 * to its parts, what could not be carried over, and what the user must provide (environment
 * variables, files). Format modules fill an `ImportBuilder`; the renderer (render-yaml.ts)
 * turns the result into commented YAML. Nothing here does IO.
 */
import type { z } from 'zod';
import type { configSchema, locationSchema, mappingSchema, taskSchema } from '../config/schema.js';

/** The dregsy config as it will be written (the schema's input side: what YAML holds). */
export type DraftConfig = z.input<typeof configSchema>;
export type DraftTask = z.input<typeof taskSchema> & { mappings: DraftMapping[] };
export type DraftLocation = z.input<typeof locationSchema>;
export type DraftMapping = z.input<typeof mappingSchema>;

/** A place in a peer's file: `regsync.yml:12: sync[0].backup`. */
export interface Where {
  file: string;
  line?: number | undefined;
  /** Path inside the file as `a.b[0]`; empty for the whole file or the command line. */
  path: string;
}

export function formatWhere(w: Where): string {
  const file = w.line !== undefined ? `${w.file}:${w.line}` : w.file;
  return w.path ? `${file}: ${w.path}` : file;
}

/** An option of the peer that the dregsy config does not express. */
export interface DroppedItem {
  at: Where;
  reason: string;
}

/** An environment variable the converted config reads (`${NAME}`); its value is never written. */
export interface RequiredEnv {
  name: string;
  /** What the variable must hold, e.g. `base64 of user:password for quay.io`. */
  holds: string;
  /** Where the value came from in the peer's files (never the value itself). */
  from: Where[];
  /** A shell line that sets it from what the peer read, when the peer read it from env or files. */
  command?: string | undefined;
}

/** A file the converted config expects (certificates under certs-dir, a docker config entry). */
export interface RequiredFile {
  path: string;
  holds: string;
  from: Where;
}

/** A comment on a part of the draft config: on the object itself, or on one of its keys. */
export interface NodeComment {
  on: object;
  key?: string | undefined;
  text: string;
}

export interface ImportResult {
  /** `regsync`, `skopeo-sync`, ... */
  format: string;
  inputs: string[];
  config: DraftConfig;
  comments: NodeComment[];
  /** Decisions that concern the whole file (header comments). */
  notes: string[];
  dropped: DroppedItem[];
  env: RequiredEnv[];
  files: RequiredFile[];
  /** Strings in `config` that are `${NAME}` references on purpose; every other `${` is escaped. */
  envReferences: ReadonlySet<string>;
}

/** Accumulates an import; format modules get one and call it as they convert. */
export class ImportBuilder {
  private readonly dropped: DroppedItem[] = [];
  private readonly env = new Map<string, RequiredEnv>();
  private readonly envByIdentity = new Map<string, string>();
  private readonly files = new Map<string, RequiredFile>();
  private readonly comments: NodeComment[] = [];
  private readonly notes: string[] = [];
  private readonly references = new Set<string>();

  constructor(
    readonly format: string,
    readonly inputs: string[],
  ) {}

  drop(at: Where, reason: string): void {
    // Defaults inherited by several steps are reported once, where they are written.
    if (this.dropped.some((d) => formatWhere(d.at) === formatWhere(at) && d.reason === reason)) return;
    this.dropped.push({ at, reason });
  }

  /** A comment above `on` (or above its `key`) in the output. */
  comment(on: object, text: string, key?: string): void {
    this.comments.push({ on, key, text });
  }

  note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
  }

  /**
   * Names a variable for a value that must not be copied (a credential) and returns the
   * `${NAME}` reference to write. The same `identity` (one credential of the peer) always gets
   * the same name; a different identity with the same wanted name gets a numbered one.
   */
  secretEnv(wanted: string, identity: string, spec: { holds: string; from: Where[]; command?: ((name: string) => string) | undefined }): string {
    let name = this.envByIdentity.get(identity);
    if (name === undefined) {
      const base = envName(wanted);
      name = base;
      for (let n = 2; this.env.has(name); n++) name = `${base}_${n}`;
      this.envByIdentity.set(identity, name);
    }
    const known = this.env.get(name);
    if (known) known.from.push(...spec.from.filter((w) => !known.from.some((k) => formatWhere(k) === formatWhere(w))));
    else this.env.set(name, { name, holds: spec.holds, from: [...spec.from], command: spec.command?.(name) });
    return this.reference(name);
  }

  /** A variable the peer itself already read (`${NAME}` in its file): the same name, same meaning. */
  peerEnv(name: string, holds: string, from: Where): string {
    const known = this.env.get(name);
    if (known) known.from.push(from);
    else this.env.set(name, { name, holds, from: [from] });
    return this.reference(name);
  }

  requireFile(file: RequiredFile): void {
    if (!this.files.has(file.path)) this.files.set(file.path, file);
  }

  private reference(name: string): string {
    const ref = `\${${name}}`;
    this.references.add(ref);
    return ref;
  }

  /** In the order of the files, then of their lines; the command line last. */
  private sortedDrops(): DroppedItem[] {
    const fileRank = (f: string) => {
      const i = this.inputs.indexOf(f);
      return i < 0 ? this.inputs.length : i;
    };
    return [...this.dropped].sort((a, b) => fileRank(a.at.file) - fileRank(b.at.file) || (a.at.line ?? 0) - (b.at.line ?? 0));
  }

  result(config: DraftConfig): ImportResult {
    return {
      format: this.format,
      inputs: this.inputs,
      config,
      comments: this.comments,
      notes: this.notes,
      dropped: this.sortedDrops(),
      env: [...this.env.values()],
      files: [...this.files.values()],
      envReferences: this.references,
    };
  }
}

/** `quay.io:5000` → `QUAY_IO_5000`: an environment variable name made of a label. */
export function envName(label: string): string {
  const name = label
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return /^[0-9]/.test(name) ? `_${name}` : name || 'VALUE';
}
