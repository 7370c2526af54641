/**
 * Prometheus metrics on a registry the caller owns (no global registry: tests run several
 * services in one process). Label sets are closed so cardinality stays bounded.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { REJECT_REASONS } from '../domain/spool-event.js';

/** Every metric the service records, created once per service. */
export interface Metrics {
  registry: Registry;
  openStreams: Gauge;
  eventsReceived: Counter<'source'>;
  eventsAccepted: Counter;
  eventsRejected: Counter<'reason' | 'source'>;
  deliveries: Counter;
  deliveredBytes: Counter;
  clientsCut: Counter<'reason'>;
  /** Streams refused with 503 because `SSE_MAX_CLIENTS` streams were open. */
  streamsRefused: Counter;
  poolQueueDepth: Gauge;
  poolTaskSeconds: Histogram;
  poolTaskFailures: Counter<'kind'>;
  deliveryLatencySeconds: Histogram;
  busUp: Gauge;
  busReconnects: Counter;
  storeFailures: Counter;
  claimsLost: Counter;
  subscriberDrops: Counter<'cause'>;
  validations: Counter<'source'>;
  fanOutPendingBytes: Gauge;
  subscriberBufferBytes: Gauge;
  streamStarts: Counter<'mode'>;
  replayedEvents: Counter;
  historyBreaks: Counter;
  corsRefused: Counter<'route'>;
  authRefused: Counter<'route' | 'reason'>;
  limitsRefused: Counter<'limit'>;
  streamsExpired: Counter;
  logReads: Counter<'source'>;
  streamSeconds: Histogram;
  streamsApiRequests: Counter<'mode'>;
}

/** Creates the metrics on a fresh registry; `withDefaults` adds process/GC metrics. */
export function createMetrics(withDefaults = true): Metrics {
  const registry = new Registry();
  if (withDefaults) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const eventsRejected = new Counter({
    name: 'spoolcast_events_rejected_total',
    help: 'Messages rejected, by reason and source: redis (plain PUBLISH), http (POST), stored (a stored record spoolcast did not write)',
    labelNames: ['reason', 'source'] as const,
    registers,
  });
  for (const reason of REJECT_REASONS) eventsRejected.inc({ reason, source: 'redis' }, 0);
  const clientsCut = new Counter({
    name: 'spoolcast_clients_cut_total',
    help: 'SSE clients disconnected by the server: send_timeout (no progress), buffer_overflow, replay_unavailable (history unreachable while resuming)',
    labelNames: ['reason'] as const,
    registers,
  });
  for (const reason of ['send_timeout', 'buffer_overflow', 'replay_unavailable']) {
    clientsCut.inc({ reason }, 0);
  }
  const streamStarts = new Counter({
    name: 'spoolcast_stream_starts_total',
    help: 'Streams started, by mode: live, cursor (replay), snapshot, resync',
    labelNames: ['mode'] as const,
    registers,
  });
  for (const mode of ['live', 'cursor', 'snapshot', 'resync']) streamStarts.inc({ mode }, 0);
  const validations = new Counter({
    name: 'spoolcast_validations_total',
    help: 'Producer messages validated (and enriched) where they enter, by source: redis (a plain PUBLISH this replica heard), http (POST), code (RedisEventService given this counter)',
    labelNames: ['source'] as const,
    registers,
  });
  for (const source of ['redis', 'http', 'code']) validations.inc({ source }, 0);
  const corsRefused = new Counter({
    name: 'spoolcast_cors_refused_total',
    help: 'Cross-origin requests from an origin not in CORS_ORIGINS, by route: stream, spools, events',
    labelNames: ['route'] as const,
    registers,
  });
  for (const route of ['stream', 'spools', 'events']) corsRefused.inc({ route }, 0);
  const authRefused = new Counter({
    name: 'spoolcast_auth_refused_total',
    help: 'Requests refused by auth, by route (stream, spools, streams, events) and reason (missing, expired, insufficient_scope, …)',
    labelNames: ['route', 'reason'] as const,
    registers,
  });
  for (const route of ['stream', 'spools', 'streams', 'events']) {
    for (const reason of ['missing', 'expired', 'bad_signature', 'insufficient_scope']) {
      authRefused.inc({ route, reason }, 0);
    }
  }
  const logReads = new Counter({
    name: 'spoolcast_log_reads_total',
    help: 'Reads of the event log by the streams API, by source: memory (the log) or history (Redis or the embedded history)',
    labelNames: ['source'] as const,
    registers,
  });
  for (const source of ['memory', 'history']) logReads.inc({ source }, 0);
  const streamsApiRequests = new Counter({
    name: 'spoolcast_streams_api_requests_total',
    help: 'Reads of GET /api/streams/spools, by mode: catch_up, long_poll, sse (many long_poll beside SSE starts: screens behind buffering proxies)',
    labelNames: ['mode'] as const,
    registers,
  });
  for (const mode of ['catch_up', 'long_poll', 'sse']) streamsApiRequests.inc({ mode }, 0);
  const limitsRefused = new Counter({
    name: 'spoolcast_limits_refused_total',
    help: 'Requests refused by a limit: clients_per_ip (429), publish_rate (429), query_length (414), filter_terms and query_params (400)',
    labelNames: ['limit'] as const,
    registers,
  });
  for (const limit of [
    'clients_per_ip',
    'publish_rate',
    'query_length',
    'filter_terms',
    'query_params',
  ]) {
    limitsRefused.inc({ limit }, 0);
  }
  return {
    registry,
    openStreams: new Gauge({
      name: 'spoolcast_open_streams',
      help: 'SSE streams currently open',
      registers,
    }),
    eventsReceived: new Counter({
      name: 'spoolcast_events_received_total',
      help: 'Messages received, by source: redis (plain PUBLISH, before its claim), stored (announced with its id)',
      labelNames: ['source'] as const,
      registers,
    }),
    eventsAccepted: new Counter({
      name: 'spoolcast_events_accepted_total',
      help: 'Events validated, enriched and broadcast',
      registers,
    }),
    eventsRejected,
    deliveries: new Counter({
      name: 'spoolcast_deliveries_total',
      help: 'Event frames written to client streams',
      registers,
    }),
    deliveredBytes: new Counter({
      name: 'spoolcast_delivered_bytes_total',
      help: 'Bytes written to client streams',
      registers,
    }),
    clientsCut,
    streamsRefused: new Counter({
      name: 'spoolcast_streams_refused_total',
      help: 'Streams refused with 503 because SSE_MAX_CLIENTS streams were open',
      registers,
    }),
    poolQueueDepth: new Gauge({
      name: 'spoolcast_pool_queue_depth',
      help: 'Tasks waiting in the worker pool queue',
      registers,
    }),
    poolTaskSeconds: new Histogram({
      name: 'spoolcast_pool_task_seconds',
      help: 'Time for one validate/enrich batch in the worker pool',
      buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5],
      registers,
    }),
    poolTaskFailures: new Counter({
      name: 'spoolcast_pool_task_failures_total',
      help: 'Pool tasks that failed (crash or timeout) and were retried',
      labelNames: ['kind'] as const,
      registers,
    }),
    deliveryLatencySeconds: new Histogram({
      name: 'spoolcast_receive_to_write_seconds',
      help: 'From the gateway receiving an event to writing it to every client stream',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    busUp: new Gauge({
      name: 'spoolcast_bus_up',
      help: '1 while events can flow end to end (Redis: subscribed, the command connection up, both answering the health probe), else 0',
      registers,
    }),
    busReconnects: new Counter({
      name: 'spoolcast_bus_reconnects_total',
      help: 'Times the Redis subscriber came back after losing its connection',
      registers,
    }),
    storeFailures: new Counter({
      name: 'spoolcast_store_failures_total',
      help: 'Events that could not be stored (Redis unavailable or timed out)',
      registers,
    }),
    streamStarts,
    replayedEvents: new Counter({
      name: 'spoolcast_replayed_events_total',
      help: 'Events sent to resuming clients from the history (cache or Redis)',
      registers,
    }),
    historyBreaks: new Counter({
      name: 'spoolcast_history_breaks_total',
      help: 'Times every client had to resync: history replaced (Redis lost data) or missed events trimmed',
      registers,
    }),
    corsRefused,
    authRefused,
    limitsRefused,
    logReads,
    streamsApiRequests,
    streamSeconds: new Histogram({
      name: 'spoolcast_stream_duration_seconds',
      help: 'How long SSE streams stayed open; many short ones beside long-poll reads mean screens behind proxies that buffer the stream',
      buckets: [1, 5, 10, 30, 60, 300, 900, 3600, 14400],
      registers,
    }),
    streamsExpired: new Counter({
      name: 'spoolcast_streams_expired_total',
      help: 'Streams told reauth and ended because their token expired (the client comes back with a fresh one)',
      registers,
    }),
    claimsLost: new Counter({
      name: 'spoolcast_claims_lost_total',
      help: 'Plain PUBLISHes this gateway could not claim because Redis failed (another replica may have)',
      registers,
    }),
    subscriberDrops: new Counter({
      name: 'spoolcast_subscriber_drops_total',
      help: 'Times the Redis subscriber connection was lost, by cause (closed_by_server covers CLIENT KILL and the pub/sub output-buffer limit)',
      labelNames: ['cause'] as const,
      registers,
    }),
    validations,
    fanOutPendingBytes: new Gauge({
      name: 'spoolcast_fanout_pending_bytes',
      help: 'Bytes of event frames accepted but not yet offered to every client (the fan-out in progress and the batches queued behind it); alert if it keeps growing',
      registers,
    }),
    subscriberBufferBytes: new Gauge({
      name: 'spoolcast_subscriber_output_buffer_bytes',
      help: 'Bytes Redis holds for this gateway subscriber (CLIENT LIST omem); alert well below client-output-buffer-limit pubsub',
      registers,
    }),
  };
}
