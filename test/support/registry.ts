/**
 * Real distribution registries (`/usr/bin/docker-registry serve`) on 127.0.0.1 for tests:
 * plain HTTP, TLS or mutual TLS; no auth, htpasswd or token auth. Everything a registry
 * needs lives in one temp dir that stop() removes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { tlsMaterial, tokenSigner, writeClientCertsDir, type TlsMaterial } from './certs.js';
import { clientKey, RegistryClient, type RegistryWithClient } from './http.js';
import { hermeticEnv, makeTempDir, runProgram } from './temp.js';
import { startTokenServer, type TokenServer } from './token-server.js';
import type { StartRegistryOptions, TestRegistry } from './types.js';

const REGISTRY_BIN = '/usr/bin/docker-registry';
const READY_TIMEOUT_MS = 15_000;
const PORT_ATTEMPTS = 5;
const DEFAULT_USERS: Record<string, string> = { tester: 'tester-pw' };

// The one piece of module state: registries still running (→ their temp dir), killed and
// removed if the test process exits without stopping them. One 'exit' listener for all
// instead of one per registry; only synchronous work is possible there.
const running = new Map<ChildProcess, string>();
process.on('exit', () => {
  for (const [child, dir] of running) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A port that was free a moment ago; startRegistry retries if someone takes it meanwhile. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** bcrypt at cost 5: distribution checks the hash on every request, and cost 10 costs ~65 ms each. */
async function htpasswdFile(users: Record<string, string>): Promise<string> {
  const lines: string[] = [];
  // -i reads the password from stdin, so it never appears in any process's argv.
  for (const [user, password] of Object.entries(users)) lines.push((await runProgram('htpasswd', ['-niB', '-C', '5', user], { input: password })).trim());
  return `${lines.join('\n')}\n`;
}

interface Launch {
  dir: string;
  port: number;
  config: object;
  logs: { access: string; stderr: string };
}

/** Spawns the registry; resolves once GET /v2/ answers, rejects with its stderr if it exits first. */
async function launch(l: Launch, client: RegistryClient): Promise<ChildProcess> {
  // JSON is YAML, so the config needs no YAML library.
  const configPath = join(l.dir, 'config.yml');
  await writeFile(configPath, JSON.stringify(l.config, null, 2));
  // Output goes to files, not pipes: nothing to drain, and the access log can be read any time.
  const [out, err] = await Promise.all([open(l.logs.access, 'w'), open(l.logs.stderr, 'w')]);
  let child: ChildProcess;
  try {
    child = spawn(REGISTRY_BIN, ['serve', configPath], { cwd: l.dir, env: hermeticEnv(), stdio: ['ignore', out.fd, err.fd] });
  } finally {
    await Promise.all([out.close(), err.close()]);
  }
  running.set(child, l.dir);
  // Unref'd: a test that forgets stop() must still end; the 'exit' hook then kills the registry.
  child.unref();
  let exitReason: string | undefined;
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(`exited (code ${code}, signal ${signal})`));
    child.once('error', (e) => resolve(`could not start: ${e.message}`));
  }).then((why) => (exitReason = why));

  let lastError = 'no answer';
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (exitReason === undefined && Date.now() < deadline) {
    const probe = client.raw('GET', '/v2/').then(
      (reply) => reply.status,
      (e: unknown) => (e instanceof Error ? `${e.message} ${String(e.cause ?? '')}`.trim() : String(e)),
    );
    // Race the probe with the exit: if the port belongs to someone else, the probe may connect
    // there and never be answered while our registry has already died.
    const outcome = await Promise.race([probe, exited.then(() => undefined), sleep(deadline - Date.now(), undefined, { ref: false })]);
    if (outcome === 200 || outcome === 401) return child;
    if (typeof outcome === 'number') lastError = `GET /v2/ answered ${outcome}`;
    else if (typeof outcome === 'string') lastError = outcome;
    if (exitReason === undefined) await Promise.race([sleep(25), exited]);
  }
  await stopChild(child);
  const stderr = await readFile(l.logs.stderr, 'utf8').catch(() => '');
  const why = exitReason ?? `not ready after ${READY_TIMEOUT_MS} ms (${lastError})`;
  throw new Error(`docker-registry on 127.0.0.1:${l.port} ${why}: ${stderr.trim()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  running.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.ref(); // keep the event loop alive until it is really gone, so the temp dir goes too
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL'); // test data: nothing to flush, no reason to wait for a graceful stop
  await exited;
}

export async function startRegistry(opts: StartRegistryOptions = {}): Promise<TestRegistry> {
  const tls = opts.tls ?? 'none';
  const auth = opts.auth ?? 'none';
  const users = { ...(opts.users ?? (auth === 'none' ? {} : DEFAULT_USERS)) };
  const dir = await makeTempDir('dregsy-registry-');
  const dataDir = join(dir, 'data');
  const logs = { access: join(dir, 'access.log'), stderr: join(dir, 'registry.log') };
  let tokenServer: TokenServer | undefined;
  try {
    await mkdir(dataDir);
    const config: Record<string, unknown> = {
      version: '0.1',
      log: { level: 'warn', accesslog: { disabled: !opts.accessLog } },
      storage: { filesystem: { rootdirectory: dataDir }, delete: { enabled: true } },
    };
    const http: Record<string, unknown> = { secret: 'dregsy-test-secret' };
    if (opts.notify && opts.notify.length > 0) {
      config.notifications = {
        endpoints: opts.notify.map((n, i) => ({
          name: `endpoint-${i}`,
          url: n.url,
          ...(n.token ? { headers: { Authorization: [`Bearer ${n.token}`] } } : {}),
          timeout: '2s',
          threshold: 5,
          backoff: '200ms',
          ignoredmediatypes: ['application/octet-stream'],
        })),
      };
    }

    let material: TlsMaterial | undefined;
    let certsDir: string | undefined;
    if (tls !== 'none' || opts.tokenRealm === 'https') material = await tlsMaterial();
    if (material && tls !== 'none') {
      certsDir = join(dir, 'certs.d');
      await writeClientCertsDir(certsDir, material, tls === 'mtls');
      const serverDir = join(dir, 'server-tls');
      await mkdir(serverDir);
      await writeFile(join(serverDir, 'server.crt'), material.serverCert);
      await writeFile(join(serverDir, 'server.key'), material.serverKey, { mode: 0o600 });
      await writeFile(join(serverDir, 'clientca.crt'), material.clientCaCert);
      http.tls = {
        certificate: join(serverDir, 'server.crt'),
        key: join(serverDir, 'server.key'),
        ...(tls === 'mtls' ? { clientcas: [join(serverDir, 'clientca.crt')] } : {}),
      };
    }

    if (auth === 'htpasswd') {
      await writeFile(join(dir, 'htpasswd'), await htpasswdFile(users));
      config.auth = { htpasswd: { realm: 'dregsy-test', path: join(dir, 'htpasswd') } };
    } else if (auth === 'token') {
      const signer = await tokenSigner();
      await writeFile(join(dir, 'signer.crt'), signer.cert);
      const service = 'dregsy-test-registry';
      const issuer = 'dregsy-test-token-issuer';
      const realmTls = opts.tokenRealm === 'https' && material ? { tls: { cert: material.serverCert, key: material.serverKey } } : {};
      tokenServer = await startTokenServer({ users, signer, service, issuer, ...(opts.grants ? { grants: opts.grants } : {}), ...realmTls });
      config.auth = { token: { realm: tokenServer.realm, service, issuer, rootcertbundle: join(dir, 'signer.crt') } };
    }

    const [firstUser] = Object.entries(users);
    const clientTls = material && tls !== 'none' ? { ca: material.caCert, ...(tls === 'mtls' ? { cert: material.clientCert, key: material.clientKey } : {}) } : undefined;
    for (let attempt = 1; ; attempt++) {
      const port = opts.port ?? (await freePort());
      const client = new RegistryClient({ port, tls: clientTls, credentials: firstUser && { user: firstUser[0], password: firstUser[1] } });
      let child: ChildProcess;
      try {
        child = await launch({ dir, port, logs, config: { ...config, http: { ...http, addr: `127.0.0.1:${port}` } } }, client);
      } catch (e) {
        await client.close();
        const portTaken = e instanceof Error && /address already in use/.test(e.message);
        if (portTaken && opts.port === undefined && attempt < PORT_ATTEMPTS) continue;
        throw e;
      }
      return makeRegistry({ port, tls, auth, users, certsDir, dataDir, dir, logs, child, client, tokenServer, accessLogOn: !!opts.accessLog });
    }
  } catch (e) {
    await tokenServer?.stop();
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

interface Parts extends Pick<TestRegistry, 'port' | 'tls' | 'auth' | 'users' | 'certsDir' | 'dataDir'> {
  dir: string;
  logs: { access: string };
  child: ChildProcess;
  client: RegistryClient;
  tokenServer: TokenServer | undefined;
  accessLogOn: boolean;
}

function makeRegistry(p: Parts): RegistryWithClient {
  let stopped: Promise<void> | undefined;
  const accessLog = async () => (p.accessLogOn ? readFile(p.logs.access, 'utf8').catch(() => '') : '');
  return {
    host: `127.0.0.1:${p.port}`,
    port: p.port,
    tls: p.tls,
    auth: p.auth,
    users: p.users,
    ...(p.certsDir ? { certsDir: p.certsDir } : {}),
    dataDir: p.dataDir,
    pid: p.child.pid,
    accessLog,
    async manifestPuts() {
      // Counts requests, whatever their status (a PUT refused with 401 and retried counts twice).
      return (await accessLog()).split('\n').filter((line) => /"PUT \/v2\/\S+\/manifests\/\S+ HTTP\//.test(line)).length;
    },
    tokenRequests: () => [...(p.tokenServer?.requests ?? [])],
    stop() {
      stopped ??= (async () => {
        await stopChild(p.child);
        await Promise.all([p.client.close(), p.tokenServer?.stop()]);
        await rm(p.dir, { recursive: true, force: true });
      })();
      return stopped;
    },
    [clientKey]: p.client,
  };
}
