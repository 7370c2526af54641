/**
 * The plant dashboard (`GET /`): every spool by status, live, with a status badge a worker
 * can trust. Its own URL's filter (`/?operation=ARM&worker=93`, docs/contract.md §3.2) is
 * the stream's, so a station's tablet is a bookmark. Built with textContent and classes
 * only — no innerHTML with event data, no inline style — so the page runs under the
 * gateway's strict CSP.
 */
import {
  connectSpoolStream,
  type EnrichedSpoolEvent,
  filterFromQuery,
  readRecentEvents,
  type SpoolState,
} from '../client/index.js';
import type { SpoolStreamState } from '../client/stream-state.js';
import { type Lang, pickLang, TEXTS, type Texts } from './i18n.js';
import {
  badgeText,
  describeFilter,
  type Group,
  groupRows,
  mergeFeed,
  operationsOf,
} from './view-model.js';

const STREAM_URL = '/api/sse/stream';
const FEED_SIZE = 50;
/** Events read from the log for the feed when the page opens. */
const HISTORY_SIZE = 20;
const LANG_KEY = 'spoolcast.lang';

const $ = <T extends Element>(selector: string): T => {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`dashboard markup lacks ${selector}`);
  return found;
};

function el(tag: string, className: string, text?: string): HTMLElement {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

class Dashboard {
  private lang: Lang;
  private texts: Texts;
  private state: SpoolStreamState;
  private readonly cards = new Map<string, HTMLElement>();
  private readonly seenIds = new Map<string, string>();
  private feed: EnrichedSpoolEvent[] = [];
  private readonly feedItems = new Map<string, HTMLElement>();
  private isHistoryAsked = false;
  private isRenderQueued = false;
  private isFirstRender = true;
  private readonly filter = filterFromQuery(location.search);
  private readonly stream = connectSpoolStream(STREAM_URL, {
    shareTabs: 'dashboard',
    filter: this.filter,
    onMessage: (event) => this.addToFeed([event]),
  });

  constructor() {
    let saved: string | null = null;
    try {
      saved = localStorage.getItem(LANG_KEY);
    } catch {
      // storage can be blocked; Spanish then
    }
    this.lang = pickLang(location.search, saved);
    this.texts = TEXTS[this.lang];
    this.state = this.stream.getState();
    this.stream.subscribe(() => {
      this.state = this.stream.getState();
      this.readHistory();
      this.queueRender();
    });
    $('#operation').addEventListener('change', () => this.queueRender());
    $('#search').addEventListener('input', () => this.queueRender());
    $('#controls').addEventListener('submit', (e) => e.preventDefault());
    $('#lang').addEventListener('click', () => this.switchLang());
    // After "Sesión expirada" / "Sin permiso": the session was renewed (a new cookie).
    $('#retry').addEventListener('click', () => this.stream.reconnect());
    $<HTMLAnchorElement>('#show-all').href = location.pathname;
    this.applyTexts();
    this.render();
  }

  private switchLang(): void {
    this.lang = this.lang === 'es' ? 'en' : 'es';
    this.texts = TEXTS[this.lang];
    try {
      localStorage.setItem(LANG_KEY, this.lang);
    } catch {
      // not saved; the switch still applies to this page
    }
    this.applyTexts();
    this.render();
  }

  private applyTexts(): void {
    document.documentElement.lang = this.lang;
    for (const node of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
      const key = node.dataset.i18n as keyof Texts;
      const text = this.texts[key];
      if (typeof text === 'string') node.textContent = text;
    }
    const button = $<HTMLButtonElement>('#lang');
    button.textContent = this.texts.switchTo;
    button.lang = this.lang === 'es' ? 'en' : 'es';
    $<HTMLInputElement>('#search').placeholder = 'SPOOL-001';
    const selection = describeFilter(this.filter, this.texts);
    $<HTMLElement>('#selection').hidden = selection === null;
    $('#selection-text').textContent = selection ?? '';
    document.title = `${this.texts.title} · spoolcast`;
  }

  private queueRender(): void {
    if (this.isRenderQueued) return;
    this.isRenderQueued = true;
    // Not requestAnimationFrame: it does not run in a hidden tab, and a wall screen's
    // shared tabs must keep up.
    setTimeout(() => {
      this.isRenderQueued = false;
      this.render();
    }, 0);
  }

  private render(): void {
    this.renderBadge();
    this.renderOperations();
    const filters = {
      operation: $<HTMLSelectElement>('#operation').value,
      search: $<HTMLInputElement>('#search').value,
    };
    const groups = groupRows(this.state.spools, filters);
    const shown = new Set<string>();
    for (const [group, rows] of Object.entries(groups) as [Group, SpoolState[]][]) {
      const section = $(`[data-group="${group}"]`);
      const list = section.querySelector('.cards') as HTMLElement;
      (section.querySelector('.count') as HTMLElement).textContent = String(rows.length);
      rows.forEach((row, i) => {
        shown.add(row.tag_spool);
        const card = this.card(row);
        if (list.children[i] !== card) list.insertBefore(card, list.children[i] ?? null);
      });
    }
    for (const [tag, card] of this.cards) {
      if (!shown.has(tag)) card.remove();
      if (!this.state.spools.has(tag)) this.cards.delete(tag);
    }
    this.isFirstRender = false;
  }

  private card(row: SpoolState): HTMLElement {
    let card = this.cards.get(row.tag_spool);
    if (!card) {
      card = el('li', 'card');
      card.append(
        el('div', 'tag'),
        el('div', 'op'),
        el('div', 'worker'),
        el('div', 'estado'),
        el('div', 'since'),
      );
      card.addEventListener('animationend', () => card?.classList.remove('changed'));
      this.cards.set(row.tag_spool, card);
    }
    const [tag, op, worker, estado, since] = [...card.children] as HTMLElement[];
    card.dataset.tag = row.tag_spool;
    card.dataset.status = row.status ?? 'available';
    card.dataset.eventId = row.last_event_id;
    (tag as HTMLElement).textContent = row.tag_spool;
    (op as HTMLElement).textContent = row.operation ?? '—';
    (worker as HTMLElement).textContent = row.worker
      ? `${row.worker.initials} (${row.worker.id})`
      : (row.worker_nombre ?? this.texts.noWorker);
    (estado as HTMLElement).textContent = row.estado_detalle ?? '';
    (since as HTMLElement).textContent = `${this.texts.since} ${this.formatTime(row.since)}`;
    (since as HTMLElement).title = row.since;
    const previous = this.seenIds.get(row.tag_spool);
    this.seenIds.set(row.tag_spool, row.last_event_id);
    if (!this.isFirstRender && previous !== undefined && previous !== row.last_event_id) {
      // Restart the highlight animation (a class toggle; no inline style).
      card.classList.remove('changed');
      void card.offsetWidth;
      card.classList.add('changed');
    } else if (!this.isFirstRender && previous === undefined) {
      card.classList.add('changed');
    }
    return card;
  }

  private renderBadge(): void {
    const badge = $<HTMLElement>('#status');
    const { status, transport } = this.state;
    badge.dataset.status = status;
    badge.dataset.transport = transport;
    badge.title = transport === 'long-poll' ? this.texts.longPollHint : '';
    $('#status-text').textContent = badgeText(status, transport, this.texts);
    $<HTMLElement>('#retry').hidden = status !== 'unauthorized' && status !== 'forbidden';
    const at = this.state.lastEventAt;
    $('#status-time').textContent =
      `${this.texts.lastUpdate}: ${at === null ? this.texts.never : this.formatClock(at)}`;
  }

  private renderOperations(): void {
    const select = $<HTMLSelectElement>('#operation');
    const wanted = operationsOf(this.state.spools);
    const have = [...select.options].slice(1).map((o) => o.value);
    if (wanted.join('\n') === have.join('\n')) return;
    const value = select.value;
    while (select.options.length > 1) select.remove(1);
    for (const operation of wanted) select.add(new Option(operation, operation));
    select.value = wanted.includes(value) ? value : '';
  }

  /**
   * Once the first snapshot has come (its rows and history known), the latest events from
   * the log fill the feed; live events merge in by id, so none shows twice.
   */
  private readHistory(): void {
    if (this.isHistoryAsked || this.state.epoch === null) return;
    this.isHistoryAsked = true;
    const view = { epoch: this.state.epoch, spools: this.state.spools };
    readRecentEvents(STREAM_URL, view, { count: HISTORY_SIZE, filter: this.filter }).then(
      (events) => this.addToFeed(events),
      () => undefined, // the feed then starts with the live events alone
    );
  }

  private addToFeed(events: readonly EnrichedSpoolEvent[]): void {
    this.feed = mergeFeed(this.feed, events, FEED_SIZE);
    const list = $('#feed');
    const items = this.feed.map((event) => this.feedItem(event));
    items.forEach((item, i) => {
      if (list.children[i] !== item) list.insertBefore(item, list.children[i] ?? null);
    });
    while (list.children.length > items.length) list.lastElementChild?.remove();
    const shown = new Set(this.feed.map((event) => event.spoolcast.id));
    for (const id of this.feedItems.keys()) if (!shown.has(id)) this.feedItems.delete(id);
  }

  private feedItem(event: EnrichedSpoolEvent): HTMLElement {
    const id = event.spoolcast.id;
    const known = this.feedItems.get(id);
    if (known) return known;
    const item = el('li', 'feed-item');
    item.dataset.eventId = id;
    const storedAt = Date.parse(event.spoolcast.received_at);
    item.append(
      el('time', 'feed-time', this.formatClock(Number.isNaN(storedAt) ? Date.now() : storedAt)),
      el('span', 'feed-type', event.event_type),
      el('span', 'feed-tag', event.tag_spool),
      el('span', 'feed-detail', event.estado_detalle ?? ''),
    );
    this.feedItems.set(id, item);
    return item;
  }

  private formatClock(ms: number): string {
    return new Intl.DateTimeFormat(this.lang, {
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    }).format(ms);
  }

  private formatTime(iso: string): string {
    const ms = Date.parse(iso);
    if (Number.isNaN(ms)) return iso;
    const isToday = new Date(ms).toDateString() === new Date().toDateString();
    return new Intl.DateTimeFormat(this.lang, {
      ...(isToday ? {} : { day: '2-digit', month: '2-digit' }),
      hour: '2-digit',
      minute: '2-digit',
    }).format(ms);
  }
}

new Dashboard();
