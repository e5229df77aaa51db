/**
 * Renders deploy/kubernetes with a real kustomize: the one built into kubectl (`kubectl
 * kustomize`). Found as $KUBECTL, then .cache/kubectl/kubectl (where scripts/install-deps.sh
 * puts one from the npm registry when the machine has none), then kubectl on PATH.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../e2e/dregsy-cli.js';

const run = promisify(execFile);

export const deployDir = join(repoRoot, 'deploy', 'kubernetes');

/** A rendered Kubernetes object, as plain data. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

let found: Promise<string> | undefined;

export function kubectl(): Promise<string> {
  found ??= (async () => {
    const candidates = [process.env.KUBECTL, join(repoRoot, '.cache', 'kubectl', 'kubectl'), 'kubectl'].filter((c): c is string => !!c);
    for (const c of candidates) {
      if (c.includes('/') && !existsSync(c)) continue;
      try {
        await run(c, ['kustomize', '--help']);
        return c;
      } catch {
        // not this one: try the next
      }
    }
    throw new Error(`no kubectl with kustomize found (tried ${candidates.join(', ')}): run scripts/install-deps.sh`);
  })();
  return found;
}

/** `kubectl kustomize DIR`, parsed: every object of the overlay. */
export async function render(dir: string): Promise<K8sObject[]> {
  const { stdout } = await run(await kubectl(), ['kustomize', dir], { maxBuffer: 16 << 20 });
  return parseAllDocuments(stdout).map((d) => {
    if (d.errors.length > 0) throw new Error(`${dir}: ${d.errors[0]!.message}`);
    return d.toJS() as K8sObject;
  });
}
