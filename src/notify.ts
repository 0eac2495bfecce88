/**
 * Which notifications to raise, once per episode per browser (not per tab): starvation episodes
 * numbered by the server and idle holders past the threshold. Pure (no JupyterLab imports): the
 * store is anything with getItem/setItem, window.localStorage in the browser.
 */
import { idleHolders } from './fairshare';
import { ISessionsSnapshot } from './types';
import {
  formatDuration,
  holderName,
  starvationText,
  Translate
} from './viewmodel';

export interface INotice {
  /** Unique per episode: the same situation seen again has the same id. */
  id: string;
  kind: 'starvation' | 'idle';
  endpoint: string;
  text: string;
}

export interface IStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export const NOTIFIED_KEY = 'jupyterlab-livy-capacity:notified';
/** Forget episodes after a week; keep at most this many ids. */
const KEEP_MS = 7 * 24 * 3600 * 1000;
const KEEP_IDS = 200;

/** The notices a snapshot calls for now; ids say which episode each belongs to. */
export function notices(
  snapshot: ISessionsSnapshot,
  now: Date,
  idleThresholdMinutes: number,
  __: Translate
): INotice[] {
  if (snapshot.error) {
    return []; // old data raises nothing
  }
  const endpoint = snapshot.endpoint;
  const found: INotice[] = [];
  const s = snapshot.starvation;
  if (s) {
    found.push({
      // The server numbers episodes from 1 at each start: `since` keeps the id unique.
      id: `${endpoint}#starvation#${s.episode}#${s.since}`,
      kind: 'starvation',
      endpoint,
      text: __(
        'Spark starvation on %1: %2',
        endpoint,
        starvationText(s, snapshot.sessions, __)
      )
    });
  }
  const idle = idleHolders(
    snapshot.sessions.map(x => ({
      key: x.key,
      state: x.state,
      idleSince: x.idleSince,
      executors: x.usage.executors
    })),
    now,
    idleThresholdMinutes
  );
  for (const h of idle) {
    const session = snapshot.sessions.find(x => x.key === h.key);
    found.push({
      id: `${endpoint}#idle#${h.key}#${session?.idleSince}`,
      kind: 'idle',
      endpoint,
      text: __(
        '%1 on %2 has been idle for %3 and still holds %4 executors.',
        holderName(session, h.key, __),
        endpoint,
        formatDuration(h.idleMinutes * 60000),
        h.executors
      )
    });
  }
  return found;
}

/**
 * True the first time this browser sees an episode id (and records it), false after. Every tab
 * shares the store, so one of them raises the notification.
 */
export function claim(store: IStore | null, id: string, now: Date): boolean {
  let seen: Record<string, number> = {};
  try {
    seen = JSON.parse(store?.getItem(NOTIFIED_KEY) ?? '{}') ?? {};
  } catch {
    seen = {};
  }
  if (typeof seen !== 'object' || Array.isArray(seen)) {
    seen = {};
  }
  if (id in seen) {
    return false;
  }
  const t = now.getTime();
  seen[id] = t;
  const kept = Object.entries(seen)
    .filter(([, at]) => t - at < KEEP_MS)
    .sort((a, b) => b[1] - a[1])
    .slice(0, KEEP_IDS);
  try {
    store?.setItem(NOTIFIED_KEY, JSON.stringify(Object.fromEntries(kept)));
  } catch {
    // storage full or denied: notify anyway, per tab
  }
  return true;
}
