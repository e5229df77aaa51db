/**
 * Rules for what a copy does besides the image (not dregsy's): `backup` templates (task and
 * mapping) must make valid tags, and `referrers` need a relay that copies artifacts by digest
 * (skopeo or native; the Docker Engine pulls only images, so it cannot).
 */
import { namesPerImage, parseBackupTemplate } from '../plan/backup-name.js';
import type { PathSegment } from './config-path.js';
import { error, warning, type Finding } from './finding.js';
import { mappingSchema } from './schema.js';

type Raw = Record<string, unknown>;

function isRecord(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function checkExtrasRules(config: Raw): Finding[] {
  if (!Array.isArray(config.tasks)) return [];
  const out: Finding[] = [];
  const docker = config.relay === 'docker';
  config.tasks.forEach((task, i) => {
    if (!isRecord(task)) return;
    out.push(...checkBackup(task.backup, ['tasks', i, 'backup']));
    if (!Array.isArray(task.mappings)) return;
    task.mappings.forEach((mapping, j) => {
      if (!isRecord(mapping)) return;
      const at: PathSegment[] = ['tasks', i, 'mappings', j];
      out.push(...checkBackup(mapping.backup, [...at, 'backup']));
      if (docker && mappingSchema.shape.referrers.safeParse(mapping.referrers).data === true) {
        out.push(error([...at, 'referrers'], "relay 'docker' cannot copy referrers (signatures, SBOMs): use relay 'skopeo' or 'native'"));
      }
    });
  });
  return out;
}

/** A template is text; anything else is the schema's to report. */
function checkBackup(value: unknown, path: PathSegment[]): Finding[] {
  if (typeof value !== 'string' || value === '') return [];
  const parsed = parseBackupTemplate(value);
  if (!parsed.ok) return [error(path, `invalid backup template: ${parsed.message}`)];
  if (!namesPerImage(parsed.value)) {
    return [warning(path, "every tag gets the same backup name (no {{.Tag}} or {{.Digest}}): each backup replaces the one before")];
  }
  return [];
}
