/**
 * The environment a skopeo process runs in. skopeo 1.9 looks for credentials in
 * `$REGISTRY_AUTH_FILE`, `$XDG_RUNTIME_DIR/containers/auth.json`, `$XDG_CONFIG_HOME` (or
 * `~/.config`)`/containers/auth.json`, `$DOCKER_CONFIG/config.json` (or `~/.docker`) and
 * `~/.dockercfg`, and reads some of them even when it is given an authfile. Pointing all of
 * them at an empty private directory keeps the host's credentials out of every copy: what
 * dregsy looked up itself (the config, `auth-file`, the docker config when
 * `use-docker-config` allows it, ECR, Google) arrives in the authfile, and nothing else does.
 * Everything else (PATH, proxies, TMPDIR) stays as it is.
 */
import { join } from 'node:path';

export function skopeoEnvironment(emptyHome: string): Record<string, string | undefined> {
  return {
    HOME: emptyHome,
    XDG_CONFIG_HOME: join(emptyHome, '.config'),
    XDG_RUNTIME_DIR: emptyHome,
    DOCKER_CONFIG: join(emptyHome, '.docker'),
    REGISTRY_AUTH_FILE: undefined,
  };
}
