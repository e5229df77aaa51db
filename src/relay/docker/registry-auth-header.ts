/**
 * The `X-Registry-Auth` header the Docker Engine reads registry credentials from on pull and
 * push. The value carries the password (base64 is no protection): it goes into that header
 * only, never into a log line or an error message.
 */
import type { Credentials } from '../../auth/credentials.js';

/**
 * base64url of `{"username","password","serveraddress"}`, or of `{}` for anonymous access.
 * The Engine decodes it with Go's padded URL alphabet, so the `=` padding must stay (Node's
 * own `base64url` drops it), and a value in the standard alphabet with `+` or `/` would
 * silently turn into anonymous access on pull. A push without the header at all is refused,
 * so anonymous access still sends `e30=`.
 */
export function registryAuthHeader(credentials: Credentials | undefined, serverAddress: string): string {
  const body = credentials ? { username: credentials.username, password: credentials.password, serveraddress: serverAddress } : {};
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}
