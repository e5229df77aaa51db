// Bundles the CLI into dist/bundle/. Node 20 has no compile cache, and resolving and reading
// hundreds of module files cost ~0.2 s of every start, which a short warm sync run notices.
// - dregsy.cjs: the CLI, one CommonJS file, which bin/dregsy runs through launch.mjs with V8's
//   code cache (src/launch/): compiling it was a quarter of the work before the first registry
//   request. What a run may not need (the listener, the metrics, `dregsy import`) is in it but
//   evaluated on first use only: an ES module bundle could keep such parts in chunks of their
//   own, but Node 20 can cache the code of a script, not of a module.
// - ecr-api.cjs, google.cjs: the AWS and Google SDKs, ~550 KB that only ECR and GCR
//   credentials need, required when first used. They hold none of our own code (checked below),
//   so nothing of ours is loaded twice.
// - launch.mjs: the loader with the code cache.
// - code-cache/: V8's code cache for dregsy.cjs under the Node that built it, made by running it
//   once, readable by all (a container's user is not the one who built it).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmod, readdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const outdir = 'dist/bundle';
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'warning',
};

/** Lazily imported parts built as files of their own, by the specifier our code imports them with. */
const APART = { './ecr-api.js': 'ecr-api', './google.js': 'google' };

const cjs = {
  ...common,
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  // `import()` becomes a require() on first use: the bundle is run as a script, which has no
  // loader for dynamic imports without Node's experimental flags.
  supported: { 'dynamic-import': false },
  // The sources are ES modules; in a CommonJS bundle import.meta.url is the file's URL.
  define: { 'import.meta.url': '__dregsyUrl' },
  banner: { js: "var __dregsyUrl = require('node:url').pathToFileURL(__filename).href;" },
};

/**
 * undici's HTTP/1 and HTTP/2 clients come together, and the HTTP/2 one loads node:http2 as it
 * is loaded: ~7 ms of every start (a tenth of the start-up goal), though only a connection that
 * negotiates h2 uses it, and dregsy never offers h2 (undici's `allowH2` is off). So the HTTP/2
 * client is required where it is used. Exactly this line is replaced; another undici version
 * without it stops the build, to be looked at again.
 */
const UNDICI_H2 = "const connectH2 = require('./client-h2.js')";
const lazyUndiciH2 = {
  name: 'lazy-undici-h2',
  setup(b) {
    b.onLoad({ filter: /[/\\]undici[/\\]lib[/\\]dispatcher[/\\]client\.js$/ }, async (a) => {
      const text = await readFile(a.path, 'utf8');
      if (!text.includes(UNDICI_H2)) throw new Error(`${a.path}: '${UNDICI_H2}' not found; see scripts/bundle.mjs`);
      return { contents: text.replace(UNDICI_H2, "let h2; const connectH2 = (...args) => (h2 ??= require('./client-h2.js'))(...args)"), loader: 'js' };
    });
  },
};

await rm(outdir, { recursive: true, force: true });
await build({
  ...cjs,
  entryPoints: { dregsy: 'src/cli/main.ts' },
  outdir,
  plugins: [
    lazyUndiciH2,
    {
      name: 'apart',
      setup(b) {
        b.onResolve({ filter: /^\.\/(ecr-api|google)\.js$/ }, (a) =>
          a.kind === 'dynamic-import' && a.importer.endsWith('/src/auth/credential-sources.ts') ? { path: `./${APART[a.path]}.cjs`, external: true } : undefined,
        );
      },
    },
  ],
});
await build({
  ...cjs,
  entryPoints: Object.fromEntries(Object.values(APART).map((name) => [name, `src/auth/${name}.ts`])),
  outdir,
  plugins: [
    {
      name: 'none-of-ours',
      setup(b) {
        b.onResolve({ filter: /^\./ }, (a) => {
          if (a.importer.startsWith(resolve('src')) && a.kind !== 'entry-point') throw new Error(`${a.importer} imports '${a.path}': a part built apart may import packages only (our code would be loaded twice)`);
          return undefined;
        });
      },
    },
  ],
});
await build({ ...common, format: 'esm', entryPoints: { launch: 'src/launch/launch.ts' }, outdir, outExtension: { '.js': '.mjs' } });

// Made by a run as every run is made (bin/dregsy's V8 flags; none from the builder's NODE_OPTIONS,
// which V8 would count against it): it writes its cache where it finds none, here.
const cacheDir = join(outdir, 'code-cache');
const { NODE_OPTIONS: _ignored, ...env } = process.env;
execFileSync(process.execPath, ['bin/dregsy', '--version'], { env: { ...env, DREGSY_CODE_CACHE: cacheDir }, stdio: 'ignore' });
await chmod(cacheDir, 0o755);
for (const name of await readdir(cacheDir)) await chmod(join(cacheDir, name), 0o644);
