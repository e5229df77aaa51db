/**
 * Turns a config location into what the registry client and the relays use: host, TLS
 * settings and credentials. Secrets found here are registered with the redactor first.
 */
import type { Location } from '../config/schema.js';
import type { Redactor } from '../log/redact.js';
import type { RegistryEndpoint } from '../registry/types.js';
import { credentialsOf, decodeAuth, secretsOf } from './credentials.js';

export interface EndpointContext {
  certsDir: string;
  redactor: Redactor;
}

export async function resolveEndpoint(location: Location, ctx: EndpointContext): Promise<RegistryEndpoint> {
  const setting = decodeAuth(location.auth);
  const credentials = credentialsOf(setting);
  if (credentials) ctx.redactor.add(...secretsOf(credentials, location.auth));
  return {
    registry: location.registry,
    skipTlsVerify: location['skip-tls-verify'] === true,
    certsDir: ctx.certsDir,
    credentials,
  };
}
