/**
 * Composition root: config → logger → service → drain on SIGTERM/SIGINT.
 */
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

  const shutdown = (signal: string) => {
    // Readiness turns 503 now; streams keep flowing until the load balancer has noticed.
    logger.info({ signal, drainDelayMs: config.drainDelayMs }, 'draining');
    service.beginDrain();
    const delay = new Promise((resolve) => setTimeout(resolve, config.drainDelayMs));
    delay
      .then(() => service.stop())
      .then(
        () => process.exit(0),
        (error) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error) => {
  const text = String((error as Error).stack ?? error);
  process.stderr.write(`spoolcast: failed to start: ${redactSecrets(text)}\n`);
  process.exit(1);
});
