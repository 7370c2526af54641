/** `spoolcast tail`: a live view of the stream, resumed after drops, pretty or JSON. */
import { authHeaders } from './auth-headers.js';
import type { Command } from './cli-context.js';
import { EXIT_FAILURE, EXIT_OK } from './exit-codes.js';
import { runSseSession } from './sse-session.js';
import { parseTailOptions, streamUrl } from './tail-options.js';
import {
  INITIAL_VIEW_STATE,
  renderFrame,
  renderFrameJson,
  renderReconnecting,
} from './tail-view.js';
import { printable, shouldUseColor, terminalStyle } from './terminal-style.js';

const HELP = `Usage: spoolcast tail [options]

Follows GET /api/sse/stream on --url and prints one line per event (time, event type, tag,
worker, operation: state, id) and a "──" line for each change: connected, bus down/ok
(from heartbeats), resync, snapshot, reauth, reconnecting. After a drop it reconnects
after the server's retry: and resumes after the last id seen (Last-Event-ID), so nothing
is missed or shown twice. Colour on a terminal only; NO_COLOR turns it off, FORCE_COLOR on.

Options:
  --url URL             the gateway (default http://localhost:8000)
  --from ID             start after this event id
  --snapshot            start with a snapshot of every spool (ignored with --from)
  --json                one JSON object per frame {"event","id","data"} (status on stderr)
  --count N             exit 0 after N spool_update events
  --token TOKEN         sent as Authorization: Bearer (default SPOOLCAST_TOKEN); never printed
  --cookie-name NAME    send the token as this cookie instead (e.g. spoolcast_token)

Filters (passed to the gateway as query parameters; each repeatable, OR within one name,
AND across names):
  --tag TAG  --tag-prefix PREFIX  --event-type TYPE  --operation OP  --worker ID|NAME

  -h, --help            this help

Exit codes:
  0  --count events shown
  1  the gateway refused the stream (401, 403 or another 4xx: a new token or other filters
     are needed)
  2  usage error
`;

/** `spoolcast tail`: runs until stopped (Ctrl-C), `--count` events, or a refusal. */
export const tailCommand: Command = {
  name: 'tail',
  summary: 'follow the live stream: resume, filters, status changes, --json',
  help: HELP,
  async run(args, context) {
    const options = parseTailOptions(args, context.env);
    const style = terminalStyle(
      !options.json && shouldUseColor(context.stdout.isTTY === true, context.env),
    );
    const stopped = new AbortController();
    let viewState = INITIAL_VIEW_STATE;
    let events = 0;
    const end = await runSseSession({
      urlFor: (hasCursor) => streamUrl(options, hasCursor),
      headers: authHeaders(options.token, options.cookieName),
      from: options.from,
      signal: stopped.signal,
      onFrame: (frame) => {
        if (stopped.signal.aborted) return;
        if (options.json) {
          context.stdout.write(`${renderFrameJson(frame)}\n`);
        } else {
          const rendered = renderFrame(frame, viewState, style);
          viewState = rendered.state;
          for (const line of rendered.lines) context.stdout.write(`${line}\n`);
        }
        if (frame.event === 'spool_update') events++;
        if (options.count !== null && events >= options.count) stopped.abort();
      },
      onReconnecting: (reason, delayMs, lastEventId) => {
        const line = renderReconnecting(reason, delayMs, lastEventId, style);
        (options.json ? context.stderr : context.stdout).write(`${line}\n`);
      },
    });
    if (end.kind === 'refused') {
      context.stderr.write(
        `spoolcast: the gateway refused the stream (${end.status}): ${printable(end.message)}\n`,
      );
      return EXIT_FAILURE;
    }
    return EXIT_OK;
  },
};
