/**
 * Credentials never travel into the converted config: a location gets `auth: ${NAME}` and the
 * header says what NAME must hold (base64 of `user:password`, which dregsy's `auth` accepts)
 * and where the peer had it. When the peer read the secret from the environment or a file,
 * the header gives the shell line that builds NAME from the same places; when the peer's file
 * held it inline, the user copies it from there. The value itself is never read into output.
 */
import type { ImportBuilder, Where } from './import-result.js';

/** Where a peer takes one secret value from. */
export type SecretSource =
  | { kind: 'inline' }
  /** Not given: an empty value. */
  | { kind: 'empty' }
  | { kind: 'env'; name: string }
  | { kind: 'file'; path: string }
  /** Computed by a template or expression we do not evaluate. */
  | { kind: 'other' };

/** regclient templates: `{{env "NAME"}}`, `{{file "/path"}}`, anything else, or plain text. */
export function regsyncTemplateSource(value: string): SecretSource {
  const env = /^\{\{-?\s*env\s+"([^"]+)"\s*-?\}\}$/.exec(value.trim());
  if (env) return { kind: 'env', name: env[1]! };
  const file = /^\{\{-?\s*file\s+"([^"]+)"\s*-?\}\}$/.exec(value.trim());
  if (file) return { kind: 'file', path: file[1]! };
  return value.includes('{{') ? { kind: 'other' } : { kind: 'inline' };
}

/** Go's `os.ExpandEnv` forms (`$NAME`, `${NAME}`) as image-syncer reads its auth values. */
export function expandEnvSource(value: string): SecretSource {
  const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$/.exec(value.trim());
  if (m) return { kind: 'env', name: (m[1] ?? m[2])! };
  return value.includes('$') ? { kind: 'other' } : { kind: 'inline' };
}

function shellWord(s: SecretSource): string | undefined {
  if (s.kind === 'empty') return "''";
  if (s.kind === 'env') return `"$${s.name}"`;
  if (s.kind === 'file') return `"$(cat '${s.path.replace(/'/g, `'\\''`)}')"`;
  return undefined;
}

export interface AuthSpec {
  /** The registry (and namespace) the credential is for, as the user knows it. */
  label: string;
  /** One credential of the peer: the same identity always gets the same variable. */
  identity: string;
  user: SecretSource;
  pass: SecretSource;
  /** Where the peer's file holds them. */
  from: Where[];
  /** Where they are written, for the header: `regsync file`, `skopeo sync command line`. */
  peer: string;
}

/** Registers the variable for one credential and returns the `${NAME}` to write as `auth`. */
export function authReference(b: ImportBuilder, spec: AuthSpec): string {
  const u = shellWord(spec.user);
  const p = shellWord(spec.pass);
  const command = u && p ? (name: string) => `export ${name}="$(printf '%s:%s' ${u} ${p} | base64 -w0)"` : undefined;
  const inline = spec.user.kind === 'inline' || spec.pass.kind === 'inline';
  const computed = spec.user.kind === 'other' || spec.pass.kind === 'other';
  const origin = inline ? ` (the ones written in the ${spec.peer})` : computed ? ` (what the ${spec.peer} computes with a template)` : '';
  return b.secretEnv(`DREGSY_AUTH_${spec.label}`, spec.identity, { holds: `base64 of user:password for ${spec.label}${origin}`, from: spec.from, command });
}
