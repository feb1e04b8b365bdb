// `npm run pack [-- DIR]`: packs the seven publishable workspaces into DIR
// (default ./packs), emptied of older tarballs first, so that
// `npm install DIR/*.tgz` in any project installs one consistent cadre.
// The root script builds them first (turbo).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGES = [
  'packages/core',
  'packages/store',
  'packages/pool',
  'packages/postgres',
  'packages/engine',
  'packages/client',
  'apps/server',
];

const root = fileURLToPath(new URL('..', import.meta.url));
const dest = resolve(process.argv[2] ?? join(root, 'packs'));

for (const dir of PACKAGES) {
  if (!existsSync(join(root, dir, 'dist', 'index.js'))) {
    console.error(`pack: ${dir} is not built; run npm run build first`);
    process.exit(1);
  }
}
// The dashboard ships inside the server: a tarball without it would serve the API only.
if (!existsSync(join(root, 'apps/server/dist/web/index.html'))) {
  console.error('pack: apps/server/dist/web is missing; run npm run build first');
  process.exit(1);
}

mkdirSync(dest, { recursive: true });
for (const file of readdirSync(dest)) {
  if (file.endsWith('.tgz')) rmSync(join(dest, file));
}
execFileSync(
  'npm',
  ['pack', '--silent', '--pack-destination', dest, ...PACKAGES.flatMap((dir) => ['-w', dir])],
  { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
);
const tarballs = readdirSync(dest).filter((file) => file.endsWith('.tgz'));
console.log(`${tarballs.length} packages in ${dest}:\n  ${tarballs.sort().join('\n  ')}`);
console.log(`install them in your project with: npm install ${dest}/*.tgz`);
