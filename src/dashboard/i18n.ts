/** The dashboard's words: Spanish (the workers' language) by default, English switchable. */
import type { StreamStatus } from '../client/status.js';

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
  status: Record<StreamStatus, string>;
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
  },
};

/** The language from `?lang=`, else the one saved, else Spanish. */
export function pickLang(query: string, saved: string | null): Lang {
  const asked = new URLSearchParams(query).get('lang');
  if (asked === 'en' || asked === 'es') return asked;
  return saved === 'en' ? 'en' : 'es';
}
