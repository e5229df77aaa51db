/**
 * Seeds a registry with many tags fast, for the `scale` bench: a few real images are pushed
 * once (test/support's pushImage), then every other repository mounts their blobs and gets
 * the same manifests PUT under many tags. A manifest PUT of bytes the registry already holds
 * is cheap, so 20,000 tags take a minute instead of the hour real pushes would.
 */
import { pushImage, type TestRegistry } from '../../test/support/index.js';
import { clientOf } from '../../test/support/http.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** What a seeded repository is made of: a few distinct manifests and the blobs they name. */
export interface SeedImages {
  manifests: Buffer[];
  blobs: string[];
  from: string;
}

/** Pushes `count` distinct real images into `repo` of `reg` and reads back their exact manifest bytes. */
export async function seedImages(reg: TestRegistry, repo: string, count: number): Promise<SeedImages> {
  const client = clientOf(reg);
  const manifests: Buffer[] = [];
  const blobs = new Set<string>();
  for (let i = 0; i < count; i++) {
    await pushImage(reg, repo, `seed-${i}`, { label: `scale-seed-${i}` });
    const r = await client.expect('GET', `/v2/${repo}/manifests/seed-${i}`, [200], { headers: { accept: OCI_MANIFEST } });
    const m = JSON.parse(r.body.toString('utf8')) as { config: { digest: string }; layers: Array<{ digest: string }> };
    blobs.add(m.config.digest);
    for (const l of m.layers) blobs.add(l.digest);
    manifests.push(r.body);
  }
  return { manifests, blobs: [...blobs], from: repo };
}

/**
 * Gives `repo` in `reg` the tags `tags`, each one of `images`' manifests in turn: the blobs are
 * mounted from where `images` were pushed (same registry), then the manifests are PUT.
 */
async function fillRepo(reg: TestRegistry, images: SeedImages, repo: string, tags: readonly string[]): Promise<void> {
  const client = clientOf(reg);
  for (const digest of images.blobs) {
    await client.expect('POST', `/v2/${repo}/blobs/uploads/?mount=${digest}&from=${images.from}`, [201]);
  }
  for (const [i, tag] of tags.entries()) {
    const body = images.manifests[i % images.manifests.length]!;
    await client.expect('PUT', `/v2/${repo}/manifests/${tag}`, [201], { headers: { 'content-type': OCI_MANIFEST }, body });
  }
}

/** Fills every repository of `repos` with `tags`, `parallel` repositories at a time. */
export async function fillRepos(reg: TestRegistry, images: SeedImages, repos: readonly string[], tags: readonly string[], parallel = 8): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < repos.length) {
      const repo = repos[next++]!;
      await fillRepo(reg, images, repo, tags);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}
