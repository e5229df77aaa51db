/**
 * Authfile folders hold credentials, so a folder whose process was killed (SIGKILL, OOM, a
 * power cut of the container) must not stay behind: the next start removes it. Several dregsy
 * processes may share one temp folder (sharded replicas on one machine), so a folder is removed
 * only when its owner has certainly ended.
 *
 * How an owner is known to run: it listens on a Unix socket inside its folder. The kernel
 * closes that socket when the process ends, however it ends, so a connect that is refused means
 * the owner is gone; one that succeeds means it runs (even when it is busy or stopped: the
 * kernel accepts into the backlog). This works across PID namespaces (containers sharing a
 * volume), where process ids mean nothing. Where the socket cannot be made (a socket path
 * is limited to 107 bytes), a marker with the owner's pid and start time decides instead,
 * and only within the same PID namespace. A folder that has neither is left alone: the
 * marker is written before any credential, so such a folder holds none of ours.
 */
import { lstat, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { errorMessage } from '../errors.js';

export const AUTHFILE_FOLDER_PREFIX = 'dregsy-auth-';
const MARKER = 'owner.json';
const SOCKET = 'owner.sock';
/** Linux's limit for a Unix socket path (sun_path, 108 bytes with the terminating NUL). */
const MAX_SOCKET_PATH = 107;
/** A live owner accepts at once; one that does not answer within this is counted as alive. */
const CONNECT_TIMEOUT_MS = 2_000;

export interface OwnerMarker {
  pid: number;
  /** The process's start time (clock ticks since boot, from /proc): a reused pid has another. */
  start?: string | undefined;
  /** The PID namespace (`pid:[4026531836]`): a pid means something only inside its own. */
  pidns?: string | undefined;
}

export type OwnerState = 'alive' | 'gone' | 'unknown';

/** What /proc says about a process; undefined fields where there is no /proc (not Linux). */
export interface ProcessFacts {
  exists(pid: number): boolean;
  startOf(pid: number): Promise<string | undefined>;
  pidNamespace(): Promise<string | undefined>;
}

export const procFacts: ProcessFacts = {
  exists(pid) {
    try {
      process.kill(pid, 0); // signal 0: only asks whether the process exists
      return true;
    } catch (e) {
      // EPERM: it exists, but belongs to another user
      return (e as { code?: unknown }).code === 'EPERM';
    }
  },
  async startOf(pid) {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      // Field 22 is the start time; the command name (field 2) may hold spaces and parentheses.
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    } catch {
      return undefined; // no /proc here, or the process is gone
    }
  },
  async pidNamespace() {
    return readlink('/proc/self/ns/pid').catch(() => undefined);
  },
};

/** Pure: the marker's verdict, given what the system says now. */
export function judgeMarker(marker: OwnerMarker, facts: { ownNamespace: string | undefined; exists: boolean; start: string | undefined }): OwnerState {
  if (marker.pidns !== facts.ownNamespace) return 'unknown';
  if (!facts.exists) return 'gone';
  if (marker.start !== undefined && facts.start !== undefined && marker.start !== facts.start) return 'gone';
  return 'alive';
}

/** Marks `dir` as this process's: the socket (when it fits), then the marker. */
export async function claimFolder(dir: string, facts: ProcessFacts = procFacts): Promise<{ release(): void }> {
  const socketPath = join(dir, SOCKET);
  let server: Server | undefined;
  if (Buffer.byteLength(socketPath) <= MAX_SOCKET_PATH) {
    server = await listen(socketPath).catch(() => undefined); // the marker still works without it
  }
  const marker: OwnerMarker = { pid: process.pid, start: await facts.startOf(process.pid), pidns: await facts.pidNamespace() };
  await writeFile(join(dir, MARKER), JSON.stringify(marker), { mode: 0o600, flag: 'wx' });
  return { release: () => void server?.close() };
}

function listen(path: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((peer) => peer.destroy());
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      // Never keeps the process alive; errors after listening (none expected) must not crash it.
      server.on('error', () => undefined);
      server.unref();
      resolve(server);
    });
  });
}

/** Whether the process that made `dir` still runs. */
export async function ownerState(dir: string, facts: ProcessFacts = procFacts): Promise<OwnerState> {
  const bySocket = await probeSocket(join(dir, SOCKET));
  if (bySocket !== 'unknown') return bySocket;
  let marker: OwnerMarker;
  try {
    marker = JSON.parse(await readFile(join(dir, MARKER), 'utf8')) as OwnerMarker;
  } catch {
    return 'unknown';
  }
  if (typeof marker.pid !== 'number' || !Number.isInteger(marker.pid) || marker.pid <= 0) return 'unknown';
  const [ownNamespace, start] = await Promise.all([facts.pidNamespace(), facts.startOf(marker.pid)]);
  return judgeMarker(marker, { ownNamespace, exists: facts.exists(marker.pid), start });
}

function probeSocket(path: string): Promise<OwnerState> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const done = (state: OwnerState) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(state);
    };
    const timer = setTimeout(() => done('alive'), CONNECT_TIMEOUT_MS);
    socket.once('connect', () => done('alive'));
    // ECONNREFUSED: the socket file is there but nobody listens: its process ended.
    socket.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' ? 'gone' : 'unknown'));
  });
}

export interface SweepResult {
  removed: string[];
  /** Folders left alone because their owner could not be judged, and why. */
  kept: string[];
  failed: { dir: string; error: string }[];
}

/**
 * Removes the authfile folders in `baseDir` whose owner has ended. Never throws: a temp
 * folder that cannot be read is reported when a folder must be made in it, not here.
 */
export async function removeOrphanedFolders(baseDir: string, facts: ProcessFacts = procFacts): Promise<SweepResult> {
  const result: SweepResult = { removed: [], kept: [], failed: [] };
  let names: string[];
  try {
    names = (await readdir(baseDir)).filter((n) => n.startsWith(AUTHFILE_FOLDER_PREFIX));
  } catch {
    return result;
  }
  const uid = process.getuid?.();
  await Promise.all(
    names.map(async (name) => {
      const dir = join(baseDir, name);
      try {
        const st = await lstat(dir);
        // Only real folders of this user: never follow a link someone put there.
        if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) return;
        const state = await ownerState(dir, facts);
        if (state === 'gone') {
          await rm(dir, { recursive: true, force: true });
          result.removed.push(dir);
        } else if (state === 'unknown') {
          result.kept.push(dir);
        }
      } catch (e) {
        result.failed.push({ dir, error: errorMessage(e) });
      }
    }),
  );
  return result;
}
