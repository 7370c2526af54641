/**
 * `spoolcast serve`: the gateway process (what `npm start`, src/main.ts and the image run).
 * Config → logger → service → drain on SIGTERM/SIGINT, exactly as the composition root
 * always did; every exit after start-up is this module's `process.exit`.
 */
import { performance } from 'node:perf_hooks';
import { type Config, loadConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import { redactSecrets } from '../observability/redact.js';
import type { CliContext, Command } from './cli-context.js';
import { EXIT_CONFIG, EXIT_FAILURE } from './exit-codes.js';
import { parseCommandLine } from './usage-error.js';

const HELP = `Usage: spoolcast serve

Runs the gateway with the settings in the environment (docs/contract.md §5); \`npm start\`
runs this after building. Check the settings first with \`spoolcast check-config\`.

On SIGTERM or SIGINT readiness turns 503, then after DRAIN_DELAY_S the open streams are
closed at random over SHUTDOWN_DRAIN_S and the process exits 0; a second signal exits at
once (130 for SIGINT, 143 for SIGTERM).

Exit codes:
  0    drained and stopped after a signal
  1    failed to start (port in use, pipeline could not start)
  2    usage error
  78   a setting is invalid (one line names every bad variable)
  130  second SIGINT during the drain;  143  second SIGTERM during the drain
`;

/**
 * Starts the gateway from `env`. Resolves to 78 for a bad setting (nothing was started);
 * otherwise to `undefined` once listening, and the process ends by its signal handlers.
 */
export async function serve(
  env: CliContext['env'],
  context: Pick<CliContext, 'stderr'>,
): Promise<number | undefined> {
  let config: Readonly<Config>;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      context.stderr.write(`spoolcast: ${error.message}\n`);
      return EXIT_CONFIG; // EX_CONFIG
    }
    return failedToStart(error, context);
  }
  try {
    await run(config);
  } catch (error) {
    return failedToStart(error, context);
  }
  return undefined;
}

function failedToStart(error: unknown, context: Pick<CliContext, 'stderr'>): never {
  const text = String((error as Error).stack ?? error);
  context.stderr.write(`spoolcast: failed to start: ${redactSecrets(text)}\n`);
  // Threads or sockets a half-started service opened must not keep the process alive.
  process.exit(EXIT_FAILURE);
}

async function run(config: Readonly<Config>): Promise<void> {
  // Loaded here, not at the top: the other subcommands (and every --help) start without them.
  const [{ createLogger }, { startService }] = await Promise.all([
    import('../observability/logger.js'),
    import('../service.js'),
  ]);
  const logger = createLogger(config.logLevel);
  const service = await startService(config, { logger });
  logger.info({ url: service.url }, 'listening');
  // A pipeline that cannot start (a worker that cannot load) is not something to wait out.
  service.ready.catch(() => {
    logger.fatal('pipeline failed to start; exiting');
    process.exit(EXIT_FAILURE);
  });

  let shutdownSignal: string | null = null;
  const shutdown = (signal: string) => {
    if (shutdownSignal !== null) {
      // A second signal means "now": the operator (or kubelet after the grace) is done waiting.
      logger.warn({ signal, first: shutdownSignal }, 'second signal: exiting without draining');
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    shutdownSignal = signal;
    const startedAt = performance.now();
    // Readiness turns 503 now; streams keep flowing until the load balancer has noticed.
    service.drain().then(
      (report) => {
        // The one line an operator reads after a roll: what was drained, and how long it took.
        logger.info(
          {
            signal,
            streams: report.streams,
            streamsClosed: report.closed,
            firstCloseMs: report.firstCloseMs,
            lastCloseMs: report.lastCloseMs,
            drainDelayMs: config.drainDelayMs,
            shutdownDrainMs: config.shutdownDrainMs,
            durationMs: Math.round(performance.now() - startedAt),
          },
          'drained',
        );
        process.exit(0);
      },
      (error) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(EXIT_FAILURE);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/** `spoolcast serve`: takes no options; the environment configures everything. */
export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the gateway (what npm start runs)',
  help: HELP,
  run(args, context) {
    parseCommandLine({ args: [...args], options: {}, allowPositionals: false });
    return serve(context.env, context);
  },
};
