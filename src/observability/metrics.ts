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
  const { counter, gauge, histogram } = metricMakers(registry);
  const routes = ['stream', 'spools', 'events'];
  return {
    registry,
    openStreams: gauge('spoolcast_open_streams', 'SSE streams currently open'),
    eventsReceived: counter(
      'spoolcast_events_received_total',
      'Messages received, by source: redis (plain PUBLISH, before its claim), stored (announced with its id)',
      { source: [] },
    ),
    eventsAccepted: counter(
      'spoolcast_events_accepted_total',
      'Events validated, enriched and broadcast',
    ),
    eventsRejected: counter(
      'spoolcast_events_rejected_total',
      'Messages rejected, by reason and source: redis (plain PUBLISH), http (POST), stored (a stored record spoolcast did not write)',
      { reason: REJECT_REASONS, source: ['redis'] },
    ),
    deliveries: counter('spoolcast_deliveries_total', 'Event frames written to client streams'),
    deliveredBytes: counter('spoolcast_delivered_bytes_total', 'Bytes written to client streams'),
    clientsCut: counter(
      'spoolcast_clients_cut_total',
      'SSE clients disconnected by the server: send_timeout (no progress), buffer_overflow, replay_unavailable (history unreachable while resuming)',
      { reason: ['send_timeout', 'buffer_overflow', 'replay_unavailable'] },
    ),
    streamsRefused: counter(
      'spoolcast_streams_refused_total',
      'Streams refused with 503 because SSE_MAX_CLIENTS streams were open',
    ),
    poolQueueDepth: gauge('spoolcast_pool_queue_depth', 'Tasks waiting in the worker pool queue'),
    poolTaskSeconds: histogram(
      'spoolcast_pool_task_seconds',
      'Time for one validate/enrich batch in the worker pool',
      [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5],
    ),
    poolTaskFailures: counter(
      'spoolcast_pool_task_failures_total',
      'Pool tasks that failed (crash or timeout) and were retried',
      { kind: [] },
    ),
    deliveryLatencySeconds: histogram(
      'spoolcast_receive_to_write_seconds',
      'From the gateway receiving an event to writing it to every client stream',
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    ),
    busUp: gauge(
      'spoolcast_bus_up',
      '1 while events can flow end to end (Redis: subscribed, the command connection up, both answering the health probe), else 0',
    ),
    busReconnects: counter(
      'spoolcast_bus_reconnects_total',
      'Times the Redis subscriber came back after losing its connection',
    ),
    storeFailures: counter(
      'spoolcast_store_failures_total',
      'Events that could not be stored (Redis unavailable or timed out)',
    ),
    claimsLost: counter(
      'spoolcast_claims_lost_total',
      'Plain PUBLISHes this gateway could not claim because Redis failed (another replica may have)',
    ),
    subscriberDrops: counter(
      'spoolcast_subscriber_drops_total',
      'Times the Redis subscriber connection was lost, by cause (closed_by_server covers CLIENT KILL and the pub/sub output-buffer limit)',
      { cause: [] },
    ),
    validations: counter(
      'spoolcast_validations_total',
      'Producer messages validated (and enriched) where they enter, by source: redis (a plain PUBLISH this replica heard), http (POST), code (RedisEventService given this counter)',
      { source: ['redis', 'http', 'code'] },
    ),
    fanOutPendingBytes: gauge(
      'spoolcast_fanout_pending_bytes',
      'Bytes of event frames accepted but not yet offered to every client (the fan-out in progress and the batches queued behind it); alert if it keeps growing',
    ),
    subscriberBufferBytes: gauge(
      'spoolcast_subscriber_output_buffer_bytes',
      'Bytes Redis holds for this gateway subscriber (CLIENT LIST omem); alert well below client-output-buffer-limit pubsub',
    ),
    streamStarts: counter(
      'spoolcast_stream_starts_total',
      'Streams started, by mode: live, cursor (replay), snapshot, resync',
      { mode: ['live', 'cursor', 'snapshot', 'resync'] },
    ),
    replayedEvents: counter(
      'spoolcast_replayed_events_total',
      'Events sent to resuming clients from the history (cache or Redis)',
    ),
    historyBreaks: counter(
      'spoolcast_history_breaks_total',
      'Times every client had to resync: history replaced (Redis lost data) or missed events trimmed',
    ),
    corsRefused: counter(
      'spoolcast_cors_refused_total',
      'Cross-origin requests from an origin not in CORS_ORIGINS, by route: stream, spools, events',
      { route: routes },
    ),
    authRefused: counter(
      'spoolcast_auth_refused_total',
      'Requests refused by auth, by route (stream, spools, streams, events) and reason (missing, expired, insufficient_scope, …)',
      {
        route: [...routes, 'streams'],
        reason: ['missing', 'expired', 'bad_signature', 'insufficient_scope'],
      },
    ),
    limitsRefused: counter(
      'spoolcast_limits_refused_total',
      'Requests refused by a limit: clients_per_ip (429), publish_rate (429), query_length (414), filter_terms and query_params (400)',
      {
        limit: ['clients_per_ip', 'publish_rate', 'query_length', 'filter_terms', 'query_params'],
      },
    ),
    streamsExpired: counter(
      'spoolcast_streams_expired_total',
      'Streams told reauth and ended because their token expired (the client comes back with a fresh one)',
    ),
    logReads: counter(
      'spoolcast_log_reads_total',
      'Reads of the event log by the streams API, by source: memory (the log) or history (Redis or the embedded history)',
      { source: ['memory', 'history'] },
    ),
    streamSeconds: histogram(
      'spoolcast_stream_duration_seconds',
      'How long SSE streams stayed open; many short ones beside long-poll reads mean screens behind proxies that buffer the stream',
      [1, 5, 10, 30, 60, 300, 900, 3600, 14400],
    ),
    streamsApiRequests: counter(
      'spoolcast_streams_api_requests_total',
      'Reads of GET /api/streams/spools, by mode: catch_up, long_poll, sse (many long_poll beside SSE starts: screens behind buffering proxies)',
      { mode: ['catch_up', 'long_poll', 'sse'] },
    ),
  };
}

/**
 * Makers bound to `registry`. A counter's labels map each label name to the values shown
 * at 0 from the start (every combination), so a dashboard sees the series before the
 * first increment; an empty list shows none.
 */
function metricMakers(registry: Registry) {
  const registers = [registry];
  return {
    counter<L extends string = never>(
      name: string,
      help: string,
      labels: Record<L, readonly string[]> = {} as Record<L, readonly string[]>,
    ): Counter<L> {
      const labelNames = Object.keys(labels) as L[];
      const metric = new Counter<L>({ name, help, labelNames, registers });
      for (const combination of combinations(labels)) metric.inc(combination, 0);
      return metric;
    },
    gauge: (name: string, help: string) => new Gauge({ name, help, registers }),
    histogram: (name: string, help: string, buckets: number[]) =>
      new Histogram({ name, help, buckets, registers }),
  };
}

/** Every combination of the labels' listed values (none when a label lists none). */
function combinations<L extends string>(
  labels: Record<L, readonly string[]>,
): Partial<Record<L, string>>[] {
  const names = Object.keys(labels) as L[];
  if (names.length === 0) return [];
  let result: Partial<Record<L, string>>[] = [{}];
  for (const name of names) {
    result = result.flatMap((partial) =>
      labels[name].map((value) => ({ ...partial, [name]: value })),
    );
  }
  return result;
}
