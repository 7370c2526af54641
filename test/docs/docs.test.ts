/**
 * The documents cannot drift from the code: the contract's settings table is the settings
 * `loadConfig` knows, with their defaults; every relative link, anchor and repository path
 * the documents name exists; the README stays short; and the prose carries nothing a
 * reader cannot place (commit hashes, "this round", the star markers).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { SETTING_DEFAULTS, SETTING_NAMES } from '../../src/config.js';
import { createMetrics } from '../../src/observability/metrics.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');

/** The documents checked: the top-level ones and everything in docs/. */
const DOCS = [
  'README.md',
  'ARCHITECTURE.md',
  'CHANGELOG.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** The text outside fenced code blocks (real output and examples are not prose). */
function prose(markdown: string): string {
  let fenced = false;
  return markdown
    .split('\n')
    .map((line) => {
      if (line.trimStart().startsWith('```')) fenced = !fenced;
      return fenced || line.trimStart().startsWith('```') ? '' : line;
    })
    .join('\n');
}

/** The contents of every inline code span in `text`. */
function codeSpans(text: string): string[] {
  return [...text.matchAll(/`([^`\n]+)`/g)].map((match) => match[1] ?? '');
}

/** Heading anchors as GitHub makes them: lower case, punctuation dropped, spaces → `-`. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const slugs = new Set<string>();
  for (const [, heading = ''] of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const text = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').toLowerCase();
    const slug = text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    slugs.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return slugs;
}

/** Relative link targets (`[text](target)` and images), outside code. */
function relativeLinks(markdown: string): string[] {
  const text = prose(markdown).replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)[^)]*\)/g)]
    .map((match) => match[1] ?? '')
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

const REPO_DIRS = 'src|workers|test|k8s|docs|bench|scripts|support|examples|\\.ci';
/** A repository path inside a code span: `src/bus/redis-bus.ts`, `k8s/base/`, `.ci/run`. */
const PATH_IN_CODE = new RegExp(`(?<![\\w./~:-])(?:${REPO_DIRS})/[^\\s\`'"),;]*`, 'g');
/** Top-level files named on their own: `package.json`, `Dockerfile`, `ARCHITECTURE.md`. */
const TOP_LEVEL_FILE =
  /^(?:package(?:-lock)?\.json|Dockerfile|[A-Z]+\.md|biome\.json|tsconfig[\w.]*\.json|\.dependency-cruiser\.cjs|\.dockerignore|\.gitignore)$/;

/** Repository paths named in backticks; placeholders (`<stamp>`, `*`, `…`) are left out. */
function repoPaths(markdown: string): string[] {
  return codeSpans(prose(markdown)).flatMap((span) => {
    if (TOP_LEVEL_FILE.test(span)) return [span];
    return (span.match(PATH_IN_CODE) ?? []).filter((p) => !/[<>*{}$…]/.test(p));
  });
}

/** The contract's §5 table: setting name → its default cell. */
function contractSettings(): Map<string, string> {
  const section = read('docs/contract.md')
    .split(/^## /m)
    .find((s) => s.startsWith('5. '));
  const rows = (section ?? '').split('\n').filter((line) => line.startsWith('| `'));
  return new Map(
    rows.map((row) => {
      const [, name = '', shown = ''] = row.split('|').map((cell) => cell.trim());
      return [name.replace(/`/g, ''), shown] as const;
    }),
  );
}

test('every setting loadConfig knows is in the contract settings table with its default', (t) => {
  const table = contractSettings();
  const problems = SETTING_NAMES.flatMap((name) => {
    const shown = table.get(name);
    const expected = SETTING_DEFAULTS[name] ?? '(no default)';
    if (shown === undefined) return [`${name} has no row in docs/contract.md §5`];
    if (!shown.startsWith(expected)) return [`${name}: contract shows "${shown}", not ${expected}`];
    return [];
  });
  t.deepEqual(problems, []);
});

test('every row of the contract settings table is a setting loadConfig knows', (t) => {
  const rows = [...contractSettings().keys()];
  t.true(rows.length > 0, 'no settings table found under "## 5." in docs/contract.md');
  t.deepEqual(
    rows.filter((name) => !SETTING_NAMES.includes(name)),
    [],
  );
});

test('every relative link in the documents points to a file that exists', (t) => {
  const targets = DOCS.flatMap((doc) =>
    relativeLinks(read(doc)).map((target) => ({ doc, target })),
  );
  t.true(targets.length > 20, `only ${targets.length} links found: is the link pattern broken?`);
  const missing = targets.filter(({ doc, target }) => {
    const file = target.split('#')[0] ?? '';
    return file !== '' && !existsSync(path.join(root, path.dirname(doc), file));
  });
  t.deepEqual(
    missing.map(({ doc, target }) => `${doc} → ${target}`),
    [],
  );
});

test('every #anchor link names a heading of the document it points to', (t) => {
  const broken = DOCS.flatMap((doc) =>
    relativeLinks(read(doc))
      .filter((target) => target.includes('#'))
      .flatMap((target) => {
        const [file = '', anchor = ''] = target.split('#');
        const linked = file === '' ? doc : path.join(path.dirname(doc), file);
        if (!linked.endsWith('.md') || !existsSync(path.join(root, linked))) return [];
        return anchors(read(linked)).has(anchor) ? [] : [`${doc} → ${target}`];
      }),
  );
  t.deepEqual(broken, []);
});

test('every repository path the documents name in backticks exists', (t) => {
  // The changelog tells history: the files it names may have moved since.
  const current = DOCS.filter((doc) => doc !== 'CHANGELOG.md');
  const named = current.flatMap((doc) => repoPaths(read(doc)).map((p) => ({ doc, p })));
  t.true(named.length > 50, `only ${named.length} paths found: is the path pattern broken?`);
  const missing = named.filter(({ p }) => !existsSync(path.join(root, p)));
  t.deepEqual(
    missing.map(({ doc, p }) => `${doc}: ${p}`),
    [],
  );
});

test('the README fits in 300 lines', (t) => {
  const lines = read('README.md').trimEnd().split('\n').length;
  t.true(lines <= 300, `README.md has ${lines} lines; move detail into docs/`);
});

test('the documents name no commit hashes', (t) => {
  // 7–40 hex digits with at least one letter and one digit, standing alone: not part of a
  // UUID, a Redis key (`claim:<sha1>`) or a word.
  const hash = /(?<![\w:./-])(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{7,40}(?![\w:./-])/g;
  const found = DOCS.flatMap((doc) =>
    (prose(read(doc)).match(hash) ?? []).map((h) => `${doc}: ${h}`),
  );
  t.deepEqual(found, []);
});

test('the documents use no words a reader cannot place', (t) => {
  const words = [/\bthis round\b/i, /\bwhat moved\b/i, /\boriginal contract\b/i, /CONTRACT §/, /★/];
  const found = DOCS.flatMap((doc) =>
    prose(read(doc))
      .split('\n')
      .flatMap((line, i) =>
        words.some((word) => word.test(line)) ? [`${doc}:${i + 1}: ${line.trim()}`] : [],
      ),
  );
  t.deepEqual(found, []);
});

test('code and manifests carry no benchmark figures or issue numbers (they go stale unseen)', (t) => {
  const stale = [
    /\d ?(µs|us)\b/,
    /\d ?[kM]\/s\b/,
    /deliveries\/s/,
    /\d ?[KM]iB per\b/,
    /(?<!upstream )\bissue #?\d+/i,
  ];
  const files = ['src', 'workers', 'k8s'].flatMap((dir) => sourceFiles(path.join(root, dir)));
  t.true(files.length > 100, `only ${files.length} files found`);
  const found = files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, i) =>
        stale.some((word) => word.test(line))
          ? [`${path.relative(root, file)}:${i + 1}: ${line.trim()}`]
          : [],
      ),
  );
  t.deepEqual(found, []);
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|tsx|yaml|env|conf|acl)$/.test(entry.name) ? [full] : [];
  });
}

test('every spoolcast metric is documented, and every one the documents name exists', async (t) => {
  const { registry } = createMetrics(false);
  const defined = new Set((await registry.getMetricsAsJSON()).map((metric) => metric.name));
  // The auth cookie's default name (AUTH_COOKIE_NAME) shares the prefix; it is no metric.
  const notMetrics = new Set(['spoolcast_token']);
  const named = new Set(
    DOCS.filter((doc) => doc !== 'CHANGELOG.md')
      .flatMap((doc) => read(doc).match(/\bspoolcast_[a-z_]+/g) ?? [])
      .map((name) => name.replace(/_(bucket|count|sum)$/, ''))
      .filter((name) => !notMetrics.has(name)),
  );
  t.true(defined.size > 20, `only ${defined.size} metrics defined: is the registry empty?`);
  t.deepEqual([...named].filter((name) => !defined.has(name)).sort(), [], 'named, not defined');
  t.deepEqual([...defined].filter((name) => !named.has(name)).sort(), [], 'defined, not named');
});
