/** The dashboard's words: Spanish (the workers' language) by default, English switchable. */
import type { StreamStatus } from '../client/status.js';
import type { FilterParam } from '../client/stream-query.js';

/** A supported language. */
export type Lang = 'es' | 'en';

/** Every text on the page, by key. */
export interface Texts {
  title: string;
  operation: string;
  all: string;
  search: string;
  occupied: string;
  paused: string;
  completed: string;
  available: string;
  activity: string;
  switchTo: string;
  lastUpdate: string;
  never: string;
  since: string;
  noWorker: string;
  /** Says the page shows a selection (its URL's filter), and the way back to everything. */
  filterActive: string;
  showAll: string;
  filterNames: Record<FilterParam, string>;
  /** Retries after `unauthorized` or `forbidden` (once the session was renewed). */
  retry: string;
  status: Record<StreamStatus, string>;
  /** After the status while a proxy holds the stream back ("En vivo (long-poll)"), and why. */
  longPoll: string;
  longPollHint: string;
}

/** The texts of both languages. */
export const TEXTS: Record<Lang, Texts> = {
  es: {
    title: 'Spools de la planta',
    operation: 'Operación',
    all: 'Todas',
    search: 'Buscar tag',
    occupied: 'Ocupados',
    paused: 'En pausa',
    completed: 'Completados',
    available: 'Disponibles',
    activity: 'Actividad reciente',
    switchTo: 'English',
    lastUpdate: 'Última actualización',
    never: 'sin datos aún',
    since: 'desde',
    noWorker: 'sin trabajador',
    filterActive: 'Solo',
    showAll: 'Ver todo',
    filterNames: {
      tag: 'tag',
      tag_prefix: 'tag que empieza por',
      event_type: 'evento',
      operation: 'operación',
      worker: 'trabajador',
    },
    retry: 'Reintentar',
    status: {
      connecting: 'Conectando…',
      live: 'En vivo',
      stale: 'Sin señal del servidor',
      paused: 'Actualizaciones en pausa',
      reconnecting: 'Reconectando',
      offline: 'Sin conexión',
      unauthorized: 'Sesión expirada',
      forbidden: 'Sin permiso',
    },
    longPoll: 'long-poll',
    longPollHint:
      'Un proxy de la red retiene el flujo en vivo: la pantalla consulta al servidor (long-poll) y reintenta el flujo cada pocos minutos.',
  },
  en: {
    title: 'Plant spools',
    operation: 'Operation',
    all: 'All',
    search: 'Search tag',
    occupied: 'Occupied',
    paused: 'Paused',
    completed: 'Completed',
    available: 'Available',
    activity: 'Recent activity',
    switchTo: 'Español',
    lastUpdate: 'Last update',
    never: 'no data yet',
    since: 'since',
    noWorker: 'no worker',
    filterActive: 'Only',
    showAll: 'Show all',
    filterNames: {
      tag: 'tag',
      tag_prefix: 'tag starting with',
      event_type: 'event',
      operation: 'operation',
      worker: 'worker',
    },
    retry: 'Retry',
    status: {
      connecting: 'Connecting…',
      live: 'Live',
      stale: 'No signal from the server',
      paused: 'Updates paused',
      reconnecting: 'Reconnecting',
      offline: 'Offline',
      unauthorized: 'Session expired',
      forbidden: 'No permission',
    },
    longPoll: 'long-poll',
    longPollHint:
      'A proxy on the network holds the live stream back: the screen polls the server (long-poll) and tries the stream again every few minutes.',
  },
};

/** The language from `?lang=`, else the one saved, else Spanish. */
export function pickLang(query: string, saved: string | null): Lang {
  const asked = new URLSearchParams(query).get('lang');
  if (asked === 'en' || asked === 'es') return asked;
  return saved === 'en' ? 'en' : 'es';
}
