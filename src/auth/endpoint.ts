/**
 * Turns a config location into what the registry client and the relays use: host, TLS
 * settings and credentials. Called at the start of every task run, so what it finds is fresh
 * for that run (a renewed ECR token, a rotated auth-file). Every secret found here is
 * registered with the redactor before anything can print it.
 *
 * Where a location's credentials come from, first match wins:
 * 1. ECR with `auth-refresh`: a token from AWS, renewed as due (dregsy's refresher replaces `auth`);
 * 2. `auth` (`none`: anonymous, and nothing below is tried);
 * 3. `auth-file`, read now;
 * 4. the user's docker config.json (unless `use-docker-config: false`);
 * 5. GCR / Artifact Registry: a token from Google application default credentials;
 * 6. anonymous.
 */
import { ecrInfo, isGoogleRegistry } from '../config/registry-host.js';
import type { Location } from '../config/schema.js';
import type { Redactor } from '../log/redact.js';
import type { RegistryEndpoint } from '../registry/types.js';
import type { CredentialSources } from './credential-sources.js';
import { decodeAuth, secretsOf, type AuthSetting, type Credentials } from './credentials.js';

export interface EndpointContext {
  certsDir: string;
  redactor: Redactor;
  /** Where credentials beyond `auth` come from; without it only `auth` is used. */
  sources?: CredentialSources | undefined;
  signal?: AbortSignal | undefined;
}

/** The host skopeo and the registry client talk to: public ECR's `<account>[:<region>]@` prefix removed. */
export function registryHost(registry: string): string {
  const ecr = ecrInfo(registry);
  return ecr.ecr && ecr.public ? ecr.host : registry;
}

export async function resolveEndpoint(location: Location, ctx: EndpointContext): Promise<RegistryEndpoint> {
  const registry = registryHost(location.registry);
  const credentials = await credentialsFor(location, registry, ctx);
  return {
    registry,
    skipTlsVerify: location['skip-tls-verify'] === true,
    certsDir: ctx.certsDir,
    credentials,
  };
}

async function credentialsFor(location: Location, registry: string, ctx: EndpointContext): Promise<Credentials | undefined> {
  const { sources, redactor } = ctx;
  const found = (c: Credentials | undefined, raw?: string) => {
    if (c) redactor.add(...secretsOf(c, raw));
    return c;
  };
  const ecr = await sources?.ecrCredentials(location, ctx.signal);
  if (ecr) return found(ecr);

  if (location.auth !== undefined && location.auth.trim() !== '') {
    // Registered before decoding: even a value that fails to decode stays out of the logs.
    redactor.add(location.auth.trim());
    return found(basicOf(decodeAuth(location.auth)), location.auth);
  }
  const authFile = location['auth-file'];
  if (authFile !== undefined && authFile !== '') {
    if (!sources) throw new Error("'auth-file' needs the credential sources of the CLI");
    const read = await sources.readAuthFile(authFile);
    redactor.add(read.raw);
    return found(basicOf(read.setting), read.raw);
  }
  if (!sources) return undefined;
  const fromDocker = await sources.dockerConfigCredentials(registry, ctx.signal);
  if (fromDocker) return found(fromDocker);
  if (isGoogleRegistry(registry)) {
    try {
      return found(await sources.googleCredentials(ctx.signal));
    } catch (e) {
      throw new Error(`no token for Google registry '${registry}': ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return undefined;
}

function basicOf(setting: AuthSetting): Credentials | undefined {
  return setting.kind === 'basic' ? setting.credentials : undefined;
}
