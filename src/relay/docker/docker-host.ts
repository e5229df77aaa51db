/**
 * Where the Docker Engine listens, from `docker.dockerhost` as dregsy reads it: a unix socket
 * (`unix:///var/run/docker.sock`) or plain TCP (`tcp://dind:2375`). dregsy's Go client has no
 * TLS settings for the daemon connection, and neither do we; `http://` is accepted as TCP.
 */

export interface EngineAddress {
  /** What requests are addressed to (`http://localhost` for a socket: the name is unused). */
  origin: string;
  /** Set for `unix://`: requests go over this socket. */
  socketPath: string | undefined;
}

/** Docker's unencrypted TCP port, used when `tcp://host` has none. */
const DEFAULT_TCP_PORT = 2375;

export function parseDockerHost(host: string): EngineAddress | { error: string } {
  const value = host.trim();
  if (value.startsWith('unix://')) {
    const socketPath = value.slice('unix://'.length);
    if (!socketPath.startsWith('/')) return { error: `invalid docker host '${host}': a unix socket needs an absolute path (unix:///path/to/docker.sock)` };
    return { origin: 'http://localhost', socketPath };
  }
  const m = /^(tcp|http):\/\/([^/:]+|\[[0-9a-fA-F:.]+\])(?::(\d+))?\/?$/.exec(value);
  if (m) {
    const port = m[3] === undefined ? DEFAULT_TCP_PORT : Number(m[3]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) return { error: `invalid docker host '${host}': bad port` };
    return { origin: `http://${m[2]}:${port}`, socketPath: undefined };
  }
  return {
    error: `unsupported docker host '${host}': use unix:///path/to/docker.sock or tcp://host:port (TLS to the Docker daemon is not supported)`,
  };
}

/**
 * Whether requests to the Engine cross a network unencrypted: plain TCP to anything but this
 * host's loopback (a DinD sidecar at `tcp://127.0.0.1:2375` shares the pod's loopback; a name
 * is taken as remote, since it may resolve anywhere).
 */
export function isPlainRemoteTcp(address: EngineAddress): boolean {
  if (address.socketPath !== undefined) return false;
  const host = new URL(address.origin).hostname;
  return !(host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]');
}

/** `1.41` → `v1.41` as the Engine's path prefix; undefined when it is not a version number. */
export function apiPathPrefix(apiVersion: string): string | undefined {
  const v = apiVersion.trim().replace(/^v/, '');
  return /^\d+\.\d+$/.test(v) ? `/v${v}` : undefined;
}

/** True when version `a` (`1.41`) is below `b`. */
export function apiVersionBelow(a: string, b: string): boolean {
  const [aMajor = 0, aMinor = 0] = a.replace(/^v/, '').split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.replace(/^v/, '').split('.').map(Number);
  return aMajor !== bMajor ? aMajor < bMajor : aMinor < bMinor;
}
