/** `spoolcast publish`: one event, from flags or stdin, over HTTP (durable) or as a plain PUBLISH. */
import { randomUUID } from 'node:crypto';
import { listSpoolEventProblems } from '../domain/parse-spool-event.js';
import type { CliContext, Command } from './cli-context.js';
import { EXIT_FAILURE, EXIT_OK } from './exit-codes.js';
import { plainPublish } from './plain-publish.js';
import { postEvent } from './post-event.js';
import { parsePublishOptions } from './publish-options.js';

const HELP = `Usage: spoolcast publish --event-type TYPE --tag TAG [options]
       spoolcast publish - [options]          (one JSON event on stdin)

Publishes one spool event. By default it is stored through the gateway
(POST /api/events on --url) with an Idempotency-Key, retried with the same key on 503, and
the event id is printed. With --plain it is a Redis PUBLISH on --channel, exactly what the
Python producer sends; no id exists then, and the number of subscribers that heard it is
printed (0 means no gateway heard it: the event is lost, exit 1).

The event (flags):
  --event-type TYPE    TOMAR, PAUSAR, COMPLETAR, STATE_CHANGE, … (required)
  --tag TAG            tag_spool (required)
  --worker NAME        worker_nombre, e.g. "MR(93)"
  --estado TEXT        estado_detalle, e.g. "ARM: En Progreso"
  --field KEY=VALUE    an extra field as a string; KEY:=JSON for any JSON value; repeatable
  --timestamp TEXT     default now in plant time, DD-MM-YYYY HH:MM:SS
  --time-zone ZONE     plant zone for the default timestamp (default PLANT_TIME_ZONE,
                       else America/Santiago)

Over HTTP (default):
  --url URL            the gateway (default http://localhost:8000)
  --key KEY            Idempotency-Key (default a random UUID); reuse it to retry safely
  --retries N          extra attempts after 503, 429 or a network error (default 5)
  --token TOKEN        sent as Authorization: Bearer (default SPOOLCAST_TOKEN); never printed

As a plain PUBLISH:
  --plain              publish on Redis instead of the gateway
  --redis URL          Redis URL (default REDIS_URL, else redis://localhost:6379)
  --channel NAME       channel (default spools:updates)

  -h, --help           this help

Exit codes:
  0  stored (the id is printed) / heard by at least one subscriber (--plain)
  1  refused, unreachable after the retries, or heard by nobody (--plain)
  2  usage error
`;

/** `spoolcast publish`: prints the event id (HTTP) or the subscriber count (--plain). */
export const publishCommand: Command = {
  name: 'publish',
  summary: 'publish one event over HTTP (idempotent, retried) or as a plain Redis PUBLISH',
  help: HELP,
  async run(args, context) {
    const options = parsePublishOptions(args, {
      env: context.env,
      now: () => new Date(),
      newKey: randomUUID,
    });
    const payload =
      options.event === null ? await readStdin(context) : JSON.stringify(options.event);
    if (options.event === null && !isJsonObject(payload)) {
      context.stderr.write('spoolcast: stdin must hold one JSON object\n');
      return EXIT_FAILURE;
    }
    const { target } = options;
    if (target.kind === 'plain') {
      // Nobody answers a PUBLISH: a message the gateways would reject is only dead-lettered.
      const maxEventBytes = Number(context.env.MAX_EVENT_BYTES ?? 65536) || 65536;
      const problems = listSpoolEventProblems(payload, maxEventBytes);
      if (problems.length > 0) {
        const lines = problems.map((p) => `  ${p.reason}: ${p.detail}\n`).join('');
        context.stderr.write(`spoolcast: the gateways would reject this event:\n${lines}`);
        return EXIT_FAILURE;
      }
      const outcome = await plainPublish(target.redisUrl, target.channel, payload);
      if (!outcome.ok) {
        context.stderr.write(`spoolcast: ${outcome.message}\n`);
        return EXIT_FAILURE;
      }
      context.stdout.write(`${outcome.receivers}\n`);
      if (outcome.receivers > 0) return EXIT_OK;
      context.stderr.write(
        `spoolcast: no subscriber heard it on ${target.channel}: the event is lost\n`,
      );
      return EXIT_FAILURE;
    }
    const outcome = await postEvent({
      url: target.url,
      body: payload,
      idempotencyKey: target.idempotencyKey,
      token: target.token,
      retries: target.retries,
      onRetry: (why, delayMs) =>
        context.stderr.write(`spoolcast: ${why}; retrying in ${delayMs} ms with the same key\n`),
    });
    if (!outcome.ok) {
      context.stderr.write(`spoolcast: ${outcome.message}\n`);
      return EXIT_FAILURE;
    }
    if (outcome.isReplayed) {
      context.stderr.write(
        'spoolcast: this key was used before: the first id is printed, nothing new was stored\n',
      );
    }
    context.stdout.write(`${outcome.id}\n`);
    return EXIT_OK;
  },
};

async function readStdin(context: CliContext): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of context.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8').trim();
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
