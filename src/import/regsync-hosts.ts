/**
 * regsync `creds[]` → how dregsy reaches each registry: the location's `registry`, `auth`,
 * `skip-tls-verify`, `auth-refresh`, and the certificate files dregsy reads from its certs-dir.
 * One table row per regclient host option (config/host.go).
 */
import { DEFAULT_CERTS_DIR } from '../config/resolve.js';
import { ecrInfo, isGoogleRegistry } from '../config/registry-host.js';
import { authReference, regsyncTemplateSource, type SecretSource } from './credentials.js';
import { DOCKER_HUB, isDockerHub } from './image-reference.js';
import type { DraftLocation, Where } from './import-result.js';
import { applyTable, convert, drop, same, type OptionTable } from './option-table.js';
import { withScope, type ImportContext } from './peer-format.js';
import type { PeerFile } from './peer-file.js';
import type { RegsyncCred } from './regsync-schema.js';
import type { LocationSpec } from './tasks.js';

export interface RegsyncHost {
  /** The name image references use (`docker.io` for Docker Hub). */
  name: string;
  location: DraftLocation;
  comments: { key?: string; text: string }[];
  pathPrefix?: string | undefined;
  /** A credential helper that dregsy finds through the docker config. */
  needsDockerConfig?: boolean | undefined;
  user?: { source: SecretSource; at: Where } | undefined;
  pass?: { source: SecretSource; at: Where } | undefined;
}

interface HostCtx extends ImportContext {
  host: RegsyncHost;
  file: PeerFile;
  index: number;
}

/** Where dregsy looks for a registry's certificates: `<certs-dir>/<host without port>/`. */
function certsFolder(host: string): string {
  return `${DEFAULT_CERTS_DIR}/${host.split(':')[0]}`;
}

function certFile(name: string, holds: string) {
  return convert<string, HostCtx>(`${DEFAULT_CERTS_DIR}/<host>/${name}`, (value, c, at) => {
    const source = regsyncTemplateSource(value);
    const path = `${certsFolder(String(c.host.location.registry))}/${name}`;
    const how = source.kind === 'file' ? `a copy of ${source.path}` : source.kind === 'env' ? `the content of $${source.name}` : `the PEM text at ${c.file.name}:${at.line ?? '?'}`;
    c.builder.requireFile({ path, holds: `${holds}: ${how}`, from: at });
  });
}

export const CRED_OPTIONS: OptionTable<RegsyncCred, HostCtx> = {
  registry: convert('source/target registry (matched with the images\' registry)', () => {}),
  hostname: convert('registry', (value, c) => {
    c.host.location.registry = value;
    c.host.comments.push({ key: 'registry', text: `regsync's 'hostname' for '${c.host.name}': the server dregsy talks to` });
  }),
  user: convert('auth: ${DREGSY_AUTH_<HOST>}', (value, c, at) => {
    c.host.user = { source: regsyncTemplateSource(value), at };
  }),
  pass: convert('auth: ${DREGSY_AUTH_<HOST>}', (value, c, at) => {
    c.host.pass = { source: regsyncTemplateSource(value), at };
  }),
  token: drop('a bearer token (experimental in regclient): dregsy logs in with user and password'),
  credHelper: convert('auth-refresh (ECR helper); docker config credHelpers (others)', (value, c, at) => {
    const registry = String(c.host.location.registry);
    const helper = value.replace(/^docker-credential-/, '');
    if (ecrInfo(registry).ecr && helper === 'ecr-login') {
      c.host.location['auth-refresh'] = '1h';
      c.host.comments.push({ key: 'auth-refresh', text: 'regsync used docker-credential-ecr-login: dregsy fetches ECR tokens from AWS itself (same credential chain)' });
    } else if (isGoogleRegistry(registry) && (helper === 'gcr' || helper === 'gcloud')) {
      c.same(at, 'dregsy takes Google registries\' tokens from application default credentials, as the gcr helper does');
    } else {
      c.host.needsDockerConfig = true;
      c.builder.requireFile({
        path: '$DOCKER_CONFIG/config.json (default ~/.docker/config.json)',
        holds: `"credHelpers": {"${registry}": "${helper}"}, so dregsy runs docker-credential-${helper} for ${registry}`,
        from: at,
      });
    }
  }),
  credExpire: same('dregsy asks a credential helper at every task run, and renews ECR tokens before they expire'),
  credHost: drop('a different host name for the credential helper: dregsy asks the helper for the registry itself'),
  tls: convert('skip-tls-verify: true (insecure, disabled)', (value, c) => {
    if (value === 'enabled') return;
    c.host.location['skip-tls-verify'] = true;
    c.host.comments.push({
      key: 'skip-tls-verify',
      text:
        value === 'disabled'
          ? "regsync 'tls: disabled' (plain HTTP): dregsy's skip-tls-verify allows HTTP (tried after HTTPS)"
          : "regsync 'tls: insecure': certificates are not verified (dregsy also allows plain HTTP then)",
    });
  }),
  regcert: certFile('ca.crt', 'the registry\'s CA certificate (regcert)'),
  clientCert: certFile('client.cert', 'the client certificate for mutual TLS (clientCert)'),
  clientKey: certFile('client.key', 'the client key for mutual TLS (clientKey)'),
  pathPrefix: convert('mappings from/to, prefixed', (value, c) => {
    c.host.pathPrefix = value.replace(/^\/+|\/+$/g, '');
  }),
  mirrors: drop('mirrors to read from instead: dregsy reads from the registry itself'),
  priority: drop('mirror priority: dregsy uses no mirrors', (v) => v > 0),
  repoAuth: same('dregsy asks for a token per repository anyway'),
  api: drop('a registry API choice (deprecated in regclient): dregsy speaks the distribution API'),
  apiOpts: drop('registry API options: no equivalent in dregsy'),
  blobChunk: drop('upload chunk size: the relay decides how blobs are uploaded'),
  blobMax: drop('chunked upload threshold: the relay decides how blobs are uploaded'),
  reqPerSec: drop('requests per second per registry: dregsy limits concurrency (concurrency.checks/copies), not the request rate', (v) => v > 0),
  reqConcurrent: drop('concurrent requests per registry: dregsy limits concurrency across all registries (concurrency.checks/copies)', (v) => v > 0),
  scheme: convert('skip-tls-verify: true (scheme http)', (value, c) => {
    if (value !== 'http') return;
    c.host.location['skip-tls-verify'] = true;
    c.host.comments.push({ key: 'skip-tls-verify', text: "regsync 'scheme: http': dregsy's skip-tls-verify allows plain HTTP" });
  }),
};

function canonicalName(registry: string): string {
  return isDockerHub(registry) ? DOCKER_HUB : registry;
}

/** Every `creds` entry, by the registry name references use. */
export function regsyncHosts(creds: RegsyncCred[], file: PeerFile, ctx: ImportContext): Map<string, RegsyncHost> {
  const hosts = new Map<string, RegsyncHost>();
  creds.forEach((cred, index) => {
    const name = canonicalName(cred.registry);
    const host: RegsyncHost = { name, location: { registry: name }, comments: [] };
    const c: HostCtx = withScope(ctx, { host, file, index });
    applyTable(CRED_OPTIONS, cred, c, (key) => file.at(['creds', index, key]));
    if (host.user || host.pass) {
      const ref = authReference(ctx.builder, {
        label: name,
        identity: `regsync creds[${index}]`,
        user: host.user?.source ?? { kind: 'empty' },
        pass: host.pass?.source ?? { kind: 'empty' },
        from: [host.user?.at, host.pass?.at].filter((w): w is Where => w !== undefined),
        peer: 'regsync file',
      });
      host.location = { registry: host.location.registry, auth: ref, ...withoutRegistry(host.location) };
    }
    // A later entry for the same registry replaces an earlier one, as in regclient.
    hosts.set(name, host);
  });
  return hosts;
}

function withoutRegistry(l: DraftLocation): Partial<DraftLocation> {
  const { registry: _, ...rest } = l;
  return rest;
}

/** The location for a registry name, from its creds entry if there is one. */
export function locationFor(hosts: Map<string, RegsyncHost>, name: string): { spec: LocationSpec; pathPrefix: string | undefined } {
  const host = hosts.get(canonicalName(name));
  if (!host) return { spec: { location: { registry: canonicalName(name) } }, pathPrefix: undefined };
  return { spec: { location: host.location, comments: host.comments }, pathPrefix: host.pathPrefix };
}
