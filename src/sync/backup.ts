/**
 * A backup before an overwrite (config `backup`, as regsync's): when a copy is about to replace
 * a target tag that holds a different image, that image is first tagged under the backup name
 * in the same target repository, so a mirror run never loses what a user had there.
 *
 * A backup is a re-tag, not a copy: the manifest's exact bytes are read from the tag and PUT
 * under the backup name through our registry client, so every blob it names is already in the
 * repository and the backup has the old image's digest, whatever relay copies the image. The
 * tag is read (not the digest the check saw) because the bytes it holds now are what the copy
 * replaces. A backup that fails stops that image's copy: overwriting without it would lose the
 * old image, which is what the user asked us not to do.
 */
import { errorMessage } from '../errors.js';
import { backupTagName, type BackupTemplate } from '../plan/backup-name.js';
import type { RegistryEndpoint } from '../registry/types.js';
import type { RegistryWrites } from '../registry/write.js';

export type ManifestRetag = Pick<RegistryWrites, 'getRawManifest' | 'putManifest'>;

export interface BackupRequest {
  target: RegistryEndpoint;
  repo: string;
  /** The tag the copy writes. */
  tag: string;
  template: BackupTemplate;
  /** What the copy will leave under the tag, when the check knows it: a tag holding it already needs no backup. */
  incoming: string | undefined;
  now: Date;
}

export type BackupOutcome =
  /** The tag does not exist, or already holds what the copy brings. */
  | { kind: 'none' }
  | { kind: 'made'; tag: string; digest: string };

/** Why an image was not copied: its backup could not be made. */
export class BackupError extends Error {
  override readonly name = 'BackupError';
}

export async function backupBeforeOverwrite(registry: ManifestRetag, req: BackupRequest, signal: AbortSignal): Promise<BackupOutcome> {
  const { target, repo, tag } = req;
  const what = `${repo}:${tag}`;
  let current;
  try {
    current = await registry.getRawManifest(target, repo, tag, signal);
  } catch (e) {
    throw new BackupError(`cannot back up ${what} before overwriting it (reading it failed: ${errorMessage(e)}); not copied`);
  }
  if (!current || current.digest === req.incoming) return { kind: 'none' };
  const name = backupTagName(req.template, { tag, digest: current.digest, now: req.now });
  if (!name.ok) throw new BackupError(`cannot back up ${what} before overwriting it: ${name.message}; not copied`);
  let stored: string | undefined;
  try {
    stored = await registry.putManifest(target, repo, name.value, current, signal);
  } catch (e) {
    throw new BackupError(`cannot back up ${what} as ${repo}:${name.value} before overwriting it: ${errorMessage(e)}; not copied`);
  }
  if (stored !== undefined && stored !== current.digest) {
    throw new BackupError(`backup of ${what} as ${repo}:${name.value}: the registry stored ${stored}, not ${current.digest}; not copied`);
  }
  return { kind: 'made', tag: name.value, digest: current.digest };
}
