/**
 * `npm run test:unit` runs only pure and in-process tests (scripts/test-unit.ts picks the
 * files). Every helper that starts an external process calls `externalProcess(what)` first,
 * so a test file misfiled as a unit test fails loudly instead of quietly needing Redis.
 */

/** Set by scripts/test-unit.ts for the ava run it starts. */
export const UNIT_SCOPE_ENV = 'SPOOLCAST_TEST_SCOPE';

/** Throws when this run is the unit scope: `what` is the process about to start. */
export function externalProcess(what: string): void {
  if (process.env[UNIT_SCOPE_ENV] === 'unit') {
    throw new Error(
      `a unit test started ${what}: test:unit runs pure and in-process tests only (scripts/test-unit.ts)`,
    );
  }
}
