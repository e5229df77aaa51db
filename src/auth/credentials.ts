/**
 * Registry credentials as data with a type. A `Credentials` value is never put into argv,
 * a log line or an error message: it goes into a private authfile (auth/authfile.ts) or an
 * Authorization header (registry/), and its secret parts are registered with the redactor.
 */

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
  if (json !== undefined) {
    if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
      const { username, password } = json as Record<string, unknown>;
      if (typeof username === 'string' && typeof password === 'string') {
        return { kind: 'basic', credentials: { username, password } };
      }
    }
    throw new AuthDecodeError('invalid Auth: JSON must hold "username" and "password" strings');
  }
  const colon = text.indexOf(':');
  if (colon > 0) {
    return { kind: 'basic', credentials: { username: text.slice(0, colon), password: text.slice(colon + 1).replace(/\r?\n$/, '') } };
  }
  throw new AuthDecodeError('invalid Auth: expected base64 of {"username","password"} JSON or of user:password');
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
