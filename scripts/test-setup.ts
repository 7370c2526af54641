/**
 * The first step of `npm test`: the Debian packages the suite needs (support/system-packages.ts)
 * are installed in one apt run when this is root, or the run stops here, before any test,
 * with one message naming what is missing and the apt-get line that installs it.
 */
import { ensureSystemPackages, TEST_PACKAGES } from '../support/system-packages.js';

const say = (line: string) => process.stdout.write(`test setup: ${line}\n`);

const outcome = await ensureSystemPackages(TEST_PACKAGES, say);
if (outcome.kind === 'cannot_install') {
  process.stderr.write(`\n${outcome.message}\n\n`);
  process.exit(1);
}
if (outcome.kind === 'installed') say(`installed ${outcome.packages.join(' ')}`);
