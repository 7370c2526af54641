/** `spoolcast check-config`: the effective settings, masked, and every problem at once. */
import type { Command } from './cli-context.js';
import { buildConfigReport, formatConfigReport, formatConfigReportJson } from './config-report.js';
import { EXIT_FAILURE, EXIT_OK } from './exit-codes.js';
import { parseCommandLine } from './usage-error.js';

const HELP = `Usage: spoolcast check-config [--json]

Reads the settings from the environment exactly as \`spoolcast serve\` would
(docs/contract.md §5) and prints every setting as NAME=value, defaults marked
"# default". Secrets are masked: REDIS_PASSWORD, REDIS_SENTINEL_PASSWORD, a password in
REDIS_URL, and any variable whose name contains SECRET, PASSWORD or TOKEN. Every problem
is listed at once on stderr. Use it as a Kubernetes init container or a CI step.

Options:
  --json      one JSON document on stdout: {"ok", "settings": [...], "problems": [...]}
  -h, --help  this help

Exit codes:
  0  the configuration is valid
  1  at least one setting is invalid (each problem names its variable)
  2  usage error
`;

/** `spoolcast check-config`: exit 0 when `serve` would accept the environment, else 1. */
export const checkConfigCommand: Command = {
  name: 'check-config',
  summary: 'print the effective settings (secrets masked) and every problem; exit 0/1',
  help: HELP,
  async run(args, context) {
    const { values } = parseCommandLine({
      args: [...args],
      options: { json: { type: 'boolean', default: false } },
      allowPositionals: false,
    });
    const report = buildConfigReport(context.env);
    if (values.json) {
      context.stdout.write(formatConfigReportJson(report));
    } else {
      const text = formatConfigReport(report);
      context.stdout.write(text.stdout);
      context.stderr.write(text.stderr);
    }
    return report.ok ? EXIT_OK : EXIT_FAILURE;
  },
};
