/**
 * `make demo`: two registries on 127.0.0.1 (the ports config.yaml names), a small sample
 * image with several tags (one multi-platform) in the first, one run of the real CLI
 * (`bin/dregsy -config=config.yaml`), then what arrived in the second. Registries stop at the end.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { listTags, manifestDigest, pushImage, startRegistry, type TestRegistry } from '../test/support/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));

async function main(): Promise<number> {
  const started: TestRegistry[] = [];
  try {
    console.log('demo: starting a source registry on 127.0.0.1:15000 and a target on 127.0.0.1:15001');
    const source = await startRegistry({ port: 15000 });
    started.push(source);
    const target = await startRegistry({ port: 15001 });
    started.push(target);

    console.log('demo: pushing demo/hello:1.0, :1.1 (linux/amd64 + linux/arm64) and :latest into the source');
    await pushImage(source, 'demo/hello', '1.0', { label: 'demo-1.0' });
    await pushImage(source, 'demo/hello', '1.1', {
      label: 'demo-1.1',
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64' },
      ],
    });
    await pushImage(source, 'demo/hello', 'latest', { label: 'demo-latest', format: 'docker' });

    console.log('demo: running  bin/dregsy -config=config.yaml\n');
    const code = await runCli(['-config=config.yaml']);
    console.log(`\ndemo: dregsy exited with code ${code}\n`);

    console.log('what the target registry (127.0.0.1:15001) now holds:');
    for (const repo of ['mirror/hello', 'mirror/hello-arm64']) {
      for (const tag of await listTags(target, repo)) {
        const digest = await manifestDigest(target, repo, tag);
        console.log(`  ${`${repo}:${tag}`.padEnd(26)} ${digest ?? '?'}`);
      }
    }
    console.log('\nsource digests, for comparison:');
    for (const tag of await listTags(source, 'demo/hello')) {
      console.log(`  ${`demo/hello:${tag}`.padEnd(26)} ${(await manifestDigest(source, 'demo/hello', tag)) ?? '?'}`);
    }
    console.log(
      "\n(1.1 is multi-platform: mirror/hello:1.1 holds this machine's platform and mirror/hello-arm64:1.1\n the arm64 image, so their digests are those of the index's children)",
    );

    console.log('\ndemo: running  bin/dregsy check -config=config.yaml  (nothing changed, so nothing to copy)\n');
    const check = await runCli(['check', '-config=config.yaml']);
    console.log(`\ndemo: check exited with code ${check} (0: the target is in sync)`);
    return code || check;
  } finally {
    await Promise.all(started.map((r) => r.stop()));
    console.log('demo: registries stopped');
  }
}

function runCli(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${root}/bin/dregsy`, ...args], { cwd: root, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  },
);
