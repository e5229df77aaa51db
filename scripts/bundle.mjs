// Bundles the CLI into dist/bundle/ (one file, plus a chunk per lazily imported part such
// as the AWS SDK): Node 20 has no compile cache, and resolving and reading hundreds of
// module files cost ~0.2 s of every start, which a short warm sync run notices.
import { build } from 'esbuild';

await build({
  entryPoints: { dregsy: 'src/cli/main.ts' },
  outdir: 'dist/bundle',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'warning',
  // CommonJS dependencies inside an ES module bundle still call require() for Node built-ins.
  banner: { js: "import { createRequire as __dregsyRequire } from 'node:module'; const require = __dregsyRequire(import.meta.url);" },
});
