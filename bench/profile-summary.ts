/**
 * Prints the top self-time functions and modules of a V8 CPU profile.
 *
 *   node --import tsx bench/profile-summary.ts <file.cpuprofile> [top=25]
 */
import { formatProfile, summariseProfile } from './lib/profile.js';

const [file, top] = process.argv.slice(2);
if (!file) {
  process.stderr.write(
    'usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [top]\n',
  );
  process.exit(64);
}
process.stdout.write(`${formatProfile(summariseProfile(file, Number(top ?? 25)))}\n`);
