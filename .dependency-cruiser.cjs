/**
 * The layers of ARCHITECTURE.md, enforced by `npm test` (npm run lint:deps). One event's
 * path reads one way: the write side (write/, pipeline/) prepares and stores; the read side
 * (read/, stream/) frames what the feed announces and fans it out; the two meet only at the
 * bus's store and feed. Only the composition root (service.ts, lifecycle.ts, main.ts,
 * index.ts) knows every layer. src/cli and src/testing sit above it all, reached only
 * through package.json ("bin", "exports").
 */
const layer = (name) => `^src/${name}/`;
const upward = (from, to) => ({ from: { path: from }, to: { path: to } });

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle hides which layer depends on which.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment:
        'src/domain is the pure core shared with workers and browsers: it imports only itself.',
      ...upward(layer('domain'), '^src/(?!domain/)|^workers/'),
    },
    {
      name: 'workers-use-the-core-only',
      severity: 'error',
      comment: 'Worker threads validate and enrich with the pure core and nothing else.',
      ...upward('^workers/', '^src/(?!domain/)'),
    },
    {
      name: 'browser-code-uses-the-core-only',
      severity: 'error',
      comment:
        'The browser client and dashboard share the pure core and the generated wire types, never server code.',
      ...upward('^src/(client|dashboard)/', '^src/(?!domain/|contract/|client/|dashboard/)'),
    },
    {
      name: 'contract-is-generated-types-only',
      severity: 'error',
      comment:
        'src/contract is generated from the documents (npm run gen:types): types that import nothing, so browsers and every layer may use them.',
      from: { path: '^src/contract/' },
      to: {},
    },
    {
      name: 'browser-code-has-no-node-builtins',
      severity: 'error',
      from: { path: '^src/(client|dashboard)/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'async-is-a-leaf',
      severity: 'error',
      comment: 'Deadlines and pauses: nothing of the gateway.',
      ...upward(layer('async'), '^src/(?!async/)'),
    },
    {
      name: 'bus-does-not-reach-up',
      severity: 'error',
      comment:
        'The bus is the seam (feed, store, producers channel): it hands values to either side and never calls up.',
      ...upward(
        layer('bus'),
        '^src/(read|write|pipeline|stream|http|publisher|client|dashboard)/|^src/(service|lifecycle|main|config)\\.ts$',
      ),
    },
    {
      name: 'pipeline-is-a-transform',
      severity: 'error',
      comment: 'Messages in, results out, in order: the pure core and the pool, nothing else.',
      ...upward(layer('pipeline'), '^src/(?!domain/|pipeline/|errors\\.ts$)'),
    },
    {
      name: 'write-side-meets-read-side-only-at-the-bus',
      severity: 'error',
      comment:
        'The write side prepares and stores; it never frames, fans out or reads the log (ARCHITECTURE.md).',
      ...upward(layer('write'), '^src/(read|stream|http)/|^src/(service|lifecycle|main)\\.ts$'),
    },
    {
      name: 'read-side-meets-write-side-only-at-the-bus',
      severity: 'error',
      comment:
        'The read side only frames what the feed announces: it never validates, enriches or stores.',
      ...upward(layer('read'), '^src/(write|pipeline|http)/|^src/(service|lifecycle|main)\\.ts$'),
    },
    {
      name: 'stream-does-not-reach-back',
      severity: 'error',
      comment: 'Frames, fan-out and client streams take values; they know no bus, log or route.',
      ...upward(
        layer('stream'),
        '^src/(bus|pipeline|read|write|http)/|^src/(service|lifecycle|main)\\.ts$',
      ),
    },
    {
      name: 'http-is-the-top-layer',
      severity: 'error',
      comment: 'Routes receive what they serve as arguments; only the composition root builds it.',
      ...upward(layer('http'), '^src/pipeline/|^src/(service|lifecycle|main)\\.ts$'),
    },
    {
      name: 'publisher-is-a-library',
      severity: 'error',
      comment: 'RedisEventService runs in backend services: the store recipe and the core only.',
      ...upward(
        layer('publisher'),
        '^src/(read|write|pipeline|stream|http)/|^src/(service|lifecycle|main)\\.ts$',
      ),
    },
    {
      name: 'observability-is-a-leaf',
      severity: 'error',
      ...upward(
        layer('observability'),
        '^src/(bus|pipeline|read|write|stream|http|publisher)/|^src/(service|lifecycle|main)\\.ts$',
      ),
    },
    {
      name: 'cli-and-testing-are-top-layers',
      severity: 'error',
      comment:
        'src/cli (the spoolcast command, package.json "bin") and src/testing (spoolcast/testing, "exports") are reached only from the package boundary; nothing in src builds on them but main.ts, which runs `spoolcast serve`.',
      from: { path: '^src/', pathNot: '^src/(cli|testing)/|^src/main\\.ts$' },
      to: { path: '^src/(cli|testing)/' },
    },
    {
      name: 'main-runs-only-serve',
      severity: 'error',
      comment:
        'The gateway process is `spoolcast serve`; it needs no other command and no test kit.',
      ...upward('^src/main\\.ts$', '^src/testing/|^src/cli/(?!serve-command\\.ts$)'),
    },
    {
      name: 'cli-does-not-use-the-test-kit',
      severity: 'error',
      comment: 'Two entry points for two audiences: neither ships the other.',
      ...upward(layer('cli'), layer('testing')),
    },
    {
      name: 'test-kit-does-not-use-the-cli',
      severity: 'error',
      comment: 'Two entry points for two audiences: neither ships the other.',
      ...upward(layer('testing'), layer('cli')),
    },
    {
      name: 'bench-does-not-use-test-helpers',
      severity: 'error',
      comment: 'The bench and the tests share support/, not each other.',
      ...upward('^bench/', '^test/'),
    },
    {
      name: 'src-never-imports-tests-or-tools',
      severity: 'error',
      ...upward('^(src|workers)/', '^(test|bench|scripts|support)/'),
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
