/**
 * The first step of `npm run build`: removes what tsc compiled into dist/src and
 * dist/workers from a source file that no longer exists. tsc's incremental build never
 * deletes an output, so a removed module would otherwise stay importable from dist/ (by the
 * service, the bench and the packed package) and hide a broken import.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

const OUTPUT = /\.(js|js\.map|d\.ts|d\.ts\.map)$/;

function outputs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return outputs(full);
    return OUTPUT.test(entry.name) ? [full] : [];
  });
}

const orphans = ['src', 'workers'].flatMap((top) =>
  outputs(path.join('dist', top)).filter((file) => {
    const source = path.relative('dist', file).replace(OUTPUT, '');
    return !existsSync(`${source}.ts`) && !existsSync(`${source}.tsx`);
  }),
);
for (const file of orphans) rmSync(file);
if (orphans.length > 0) {
  process.stdout.write(`build: removed ${orphans.length} files compiled from deleted sources\n`);
}
