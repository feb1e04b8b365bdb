// Copies the built dashboard (@cadre/web's dist) into dist/web, where the
// installed server finds it: a user's install needs neither Vite nor @cadre/web.
// turbo builds @cadre/web first (a devDependency of this package).
import { cpSync, existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const webDist = join(
  dirname(createRequire(import.meta.url).resolve('@cadre/web/package.json')),
  'dist',
);
const target = fileURLToPath(new URL('../dist/web', import.meta.url));

if (!existsSync(join(webDist, 'index.html'))) {
  console.error(
    `bundle-web: ${webDist}/index.html is missing; build @cadre/web first (npm run build)`,
  );
  process.exit(1);
}
rmSync(target, { recursive: true, force: true });
cpSync(webDist, target, { recursive: true });
