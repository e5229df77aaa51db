/** Reading back what a test registry holds: tags, repositories, manifest digests. */
import { clientOf, collectPages, header } from './http.js';
import { ALL_MANIFEST_TYPES } from './media-types.js';
import type { TestRegistry } from './types.js';

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Tags of a repository, sorted; [] when the repository does not exist. */
export async function listTags(reg: TestRegistry, repo: string): Promise<string[]> {
  const tags = await collectPages(clientOf(reg), `/v2/${repo}/tags/list`, 'tags');
  return (tags ?? []).sort(byCodePoint);
}

/** Every repository in the registry (/v2/_catalog), sorted. */
export async function listRepositories(reg: TestRegistry): Promise<string[]> {
  const repos = await collectPages(clientOf(reg), '/v2/_catalog', 'repositories');
  return (repos ?? []).sort(byCodePoint);
}

/** Docker-Content-Digest of a tag or digest reference; undefined when there is no such manifest. */
export async function manifestDigest(reg: TestRegistry, repo: string, ref: string): Promise<string | undefined> {
  const reply = await clientOf(reg).expect('HEAD', `/v2/${repo}/manifests/${ref}`, [200, 404], { headers: { accept: ALL_MANIFEST_TYPES } });
  if (reply.status === 404) return undefined;
  const digest = header(reply, 'docker-content-digest');
  if (!digest) throw new Error(`HEAD /v2/${repo}/manifests/${ref} on ${reg.host}: no Docker-Content-Digest`);
  return digest;
}
