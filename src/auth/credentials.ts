/**
 * Registry credentials as data with a type. A `Credentials` value is never put into argv,
 * a log line or an error message: it goes into a private authfile (auth/authfile.ts) or an
 * Authorization header (registry/), and its secret parts are registered with the redactor.
 */
import { asJsonObject, goJsonString, GoJsonTypeError } from './go-json.js';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** What a location's `auth` resolves to. */
export type AuthSetting =
  | { kind: 'anonymous' } // no auth given
  | { kind: 'none' } // `auth: none`: explicitly anonymous (turns off GCR token lookup)
  | { kind: 'basic'; credentials: Credentials };

export class AuthDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthDecodeError';
  }
}

/**
 * Decodes dregsy's `auth` value: base64 of `{"username": "...", "password": "..."}`,
 * or (dregsy's fallback) base64 of `user:password`. Unlike dregsy, the second form is
 * really used. The message of a failure never contains the value.
 *
 * The JSON is read as Go's encoding/json reads it into dregsy's struct (go-json.ts): keys in
 * any case (`Username`, `PASSWORD`), a missing field is empty, `null` counts as missing.
 * Empty username and password mean anonymous, as dregsy's `Credentials.Empty()`. Where dregsy
 * would end up without credentials after logging an error (a field of the wrong type, text
 * that starts like JSON but is not), the config is rejected instead.
 */
export function decodeAuth(value: string | undefined): AuthSetting {
  if (value === undefined || value.trim() === '') return { kind: 'anonymous' };
  const trimmed = value.trim();
  if (trimmed === 'none') return { kind: 'none' };
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed.replace(/\s+/g, ''))) {
    throw new AuthDecodeError('invalid Auth: not base64');
  }
  const text = Buffer.from(trimmed.replace(/\s+/g, ''), trimmed.includes('-') || trimmed.includes('_') ? 'base64url' : 'base64').toString('utf8');
  const json = tryJson(text);
  if (json !== undefined) return fromJson(json);
  if (/^\s*[{[]/.test(text)) throw new AuthDecodeError('invalid Auth: the decoded value is not valid JSON');
  const colon = text.indexOf(':');
  if (colon > 0) {
    return { kind: 'basic', credentials: { username: text.slice(0, colon), password: text.slice(colon + 1).replace(/\r?\n$/, '') } };
  }
  throw new AuthDecodeError('invalid Auth: expected base64 of {"username","password"} JSON or of user:password');
}

function fromJson(json: unknown): AuthSetting {
  // `null` decodes into nothing in Go: the struct stays empty
  if (json === null) return { kind: 'anonymous' };
  const object = asJsonObject(json);
  if (!object) throw new AuthDecodeError('invalid Auth: JSON must be an object with "username" and "password"');
  let username: string;
  let password: string;
  try {
    username = goJsonString(object, 'username');
    password = goJsonString(object, 'password');
  } catch (e) {
    throw new AuthDecodeError(`invalid Auth: ${e instanceof GoJsonTypeError ? e.message : 'JSON must hold "username" and "password" strings'}`);
  }
  if (username === '' && password === '') return { kind: 'anonymous' };
  return { kind: 'basic', credentials: { username, password } };
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Not JSON: the caller tries dregsy's user:password form next.
    return undefined;
  }
}

export function credentialsOf(setting: AuthSetting): Credentials | undefined {
  return setting.kind === 'basic' ? setting.credentials : undefined;
}

/** The strings a redactor must hide for these credentials. */
export function secretsOf(c: Credentials, rawAuth?: string): string[] {
  const out = [c.password, `${c.username}:${c.password}`, Buffer.from(`${c.username}:${c.password}`).toString('base64')];
  if (rawAuth) out.push(rawAuth.trim());
  return out.filter((s) => s.length > 0);
}
