/**
 * A real Docker Engine for the Docker relay's tests, started as ../shared/TESTING.md says:
 * vfs storage, no iptables, no bridge, and data, exec root, pid file and socket all in one
 * temp dir, so it touches nothing of the host's and several can run at once. Needs root and
 * the Debian package `docker.io`; without them it fails loudly, so tests cannot pass by
 * skipping. Test infrastructure only: nothing here imports from src/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { access, constants, open, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { hermeticEnv, makeTempDir } from './temp.js';

export interface StartDockerdOptions {
  /** `host:port` of registries to reach over plain HTTP (Docker already treats 127.0.0.0/8 so). */
  insecureRegistries?: string[];
  /** Also listen on plain TCP at this IP address (a free port), as a DinD sidecar does. */
  tcpAddress?: string;
}

export interface TestDockerd {
  /** `unix:///tmp/…/docker.sock`, as `docker.dockerhost` takes it. */
  host: string;
  /** The TCP port with `tcpAddress`. */
  tcpPort: number | undefined;
  socketPath: string;
  /** Every image the daemon holds, tagged or not. */
  imageCount(): Promise<number>;
  /** The tags and digests of those images (for assertion messages). */
  imageRefs(): Promise<string[]>;
  /** The daemon's log so far. */
  log(): Promise<string>;
  /** Stops the daemon (SIGTERM, then SIGKILL) and removes its temp dir; safe to call twice. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 20_000;

/** dockerd lives in /usr/sbin, which a non-login PATH may lack. */
async function findDockerd(): Promise<string> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/usr/local/bin'];
  for (const dir of dirs.filter(Boolean)) {
    const file = join(dir, 'dockerd');
    if (await access(file, constants.X_OK).then(() => true, () => false)) return file;
  }
  throw new Error("dockerd not found: the Docker relay's tests need a Docker Engine (Debian: apt-get install -y docker.io)");
}

/** One Engine API call over the socket; resolves with status and body. */
export function engineGet(socketPath: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET', timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

export async function startDockerd(opts: StartDockerdOptions = {}): Promise<TestDockerd> {
  if (process.getuid?.() !== 0) throw new Error('dockerd needs root: run the Docker relay tests as root');
  const binary = await findDockerd();
  const dir = await makeTempDir('dregsy-dockerd-');
  const socketPath = join(dir, 'docker.sock');
  const logFile = join(dir, 'dockerd.log');
  const tcpPort = opts.tcpAddress === undefined ? undefined : await freePort(opts.tcpAddress);
  const daemonJson = {
    'storage-driver': 'vfs',
    iptables: false,
    'ip-masq': false,
    bridge: 'none',
    'data-root': join(dir, 'data'),
    'exec-root': join(dir, 'exec'),
    pidfile: join(dir, 'docker.pid'),
    hosts: [`unix://${socketPath}`, ...(tcpPort !== undefined ? [`tcp://${opts.tcpAddress}:${tcpPort}`] : [])],
    'insecure-registries': opts.insecureRegistries ?? [],
  };
  await writeFile(join(dir, 'daemon.json'), JSON.stringify(daemonJson, null, 2));
  const out = await open(logFile, 'w');
  let child: ChildProcess;
  try {
    child = spawn(binary, ['--config-file', join(dir, 'daemon.json')], { cwd: dir, env: hermeticEnv(), stdio: ['ignore', out.fd, out.fd] });
  } finally {
    await out.close();
  }
  // A test process that ends without stop() must not leave a daemon behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.unref();
  let gone: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      gone = `exited (code ${code}, signal ${signal})`;
      resolve();
    });
    child.once('error', (e) => {
      gone = `could not start: ${e.message}`;
      resolve();
    });
  });

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      process.removeListener('exit', killOnExit);
      if (gone === undefined) {
        child.ref(); // keep the event loop alive until it is really gone, so the temp dir goes too
        child.kill('SIGTERM');
        const late = await Promise.race([exited.then(() => false), sleep(STOP_TIMEOUT_MS, true, { ref: false })]);
        if (late) {
          child.kill('SIGKILL');
          await exited;
        }
      }
      await killManagedContainerd(dir);
      await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    })());

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError = '';
  while (gone === undefined && Date.now() < deadline) {
    try {
      const r = await engineGet(socketPath, '/_ping');
      if (r.status === 200) break;
      lastError = `/_ping answered ${r.status}`;
    } catch (e) {
      lastError = e instanceof Error ? e.message : String(e);
    }
    await Promise.race([sleep(50), exited]);
  }
  if (gone !== undefined || Date.now() >= deadline) {
    const log = await readFile(logFile, 'utf8').catch(() => '');
    await stop();
    throw new Error(`dockerd ${gone ?? `not ready after ${READY_TIMEOUT_MS} ms (${lastError})`}:\n${log.trim().split('\n').slice(-15).join('\n')}`);
  }

  const images = async (): Promise<Array<{ RepoTags?: string[] | null; RepoDigests?: string[] | null; Id: string }>> => {
    const r = await engineGet(socketPath, '/images/json?all=1');
    if (r.status !== 200) throw new Error(`GET /images/json answered ${r.status}: ${r.body}`);
    return JSON.parse(r.body) as Array<{ RepoTags?: string[] | null; RepoDigests?: string[] | null; Id: string }>;
  };
  return {
    host: `unix://${socketPath}`,
    tcpPort,
    socketPath,
    imageCount: async () => (await images()).length,
    imageRefs: async () => (await images()).flatMap((i) => [...(i.RepoTags ?? []), ...(i.RepoDigests ?? []), ...(i.RepoTags?.length || i.RepoDigests?.length ? [] : [i.Id])]),
    log: () => readFile(logFile, 'utf8').catch(() => ''),
    stop,
  };
}

/** A port nothing listens on at `address` right now. */
function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, address, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** After a SIGKILL, dockerd's own containerd (pid file in the exec root) is left running. */
async function killManagedContainerd(dir: string): Promise<void> {
  const pid = Number((await readFile(join(dir, 'exec', 'containerd', 'containerd.pid'), 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone: dockerd stopped it on its way out, as it does on SIGTERM.
  }
}
