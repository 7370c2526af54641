/**
 * Composition root: config → logger → service → drain on SIGTERM/SIGINT.
 */
import { performance } from 'node:perf_hooks';
import { loadConfig } from './config.js';
import { ConfigError } from './errors.js';
import { createLogger } from './observability/logger.js';
import { redactSecrets } from './observability/redact.js';
import { startService } from './service.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`spoolcast: ${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const service = await startService(config, { logger });
  logger.info({ url: service.url }, 'listening');
  // A pipeline that cannot start (a worker that cannot load) is not something to wait out.
  service.ready.catch(() => {
    logger.fatal('pipeline failed to start; exiting');
    process.exit(1);
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
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error) => {
  const text = String((error as Error).stack ?? error);
  process.stderr.write(`spoolcast: failed to start: ${redactSecrets(text)}\n`);
  process.exit(1);
});
