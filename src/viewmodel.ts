/**
 * Turning the server's JSON into what the panel shows: ordering, shares, bar segments, labels.
 * Pure (no JupyterLab imports), so it tests in isolation; components only render its output.
 */
import { ICapacity } from './capacity';
import { ILivySession, ISessionsSnapshot } from './types';

export interface ISessionRow {
  session: ILivySession;
  /** The notebook path, or null for sessions this Jupyter server does not hold. */
  notebook: string | null;
  /** Who to contact about a session that is not ours. */
  owner: string;
  executors: number | null;
  /** Share of the cluster's executors, 0..1, when both are known. */
  share: number | null;
}

/** "Livy session 3", "Livy batch 0". */
export function livyLabel(session: { type: string; id: number }): string {
  return `Livy ${session.type} ${session.id}`;
}

/** Ours first, grouped by notebook path, then the others by Livy id. */
export function sessionRows(
  sessions: ILivySession[],
  clusterExecutors: number | null
): ISessionRow[] {
  const rows = sessions.map(session => {
    const executors = session.usage.executors;
    return {
      session,
      notebook: session.notebook?.path ?? null,
      owner:
        session.proxyUser ||
        session.owner ||
        (session.type === 'batch' ? 'a batch job' : 'unknown owner'),
      executors,
      share:
        executors !== null && clusterExecutors
          ? executors / clusterExecutors
          : null
    };
  });
  return rows.sort((a, b) => {
    if ((a.notebook === null) !== (b.notebook === null)) {
      return a.notebook === null ? 1 : -1;
    }
    const byPath = (a.notebook ?? '').localeCompare(b.notebook ?? '');
    return byPath || a.session.key.localeCompare(b.session.key, undefined, { numeric: true });
  });
}

export interface IBarSegment {
  key: string;
  label: string;
  executors: number;
  fraction: number;
  ours: boolean;
}

/** Stacked capacity bar: executors held by each session, then what is free. */
export function barSegments(
  rows: ISessionRow[],
  clusterExecutors: number | null
): IBarSegment[] {
  const held = rows.filter(r => (r.executors ?? 0) > 0);
  const total = Math.max(
    clusterExecutors ?? 0,
    held.reduce((sum, r) => sum + (r.executors ?? 0), 0)
  );
  if (!total) {
    return [];
  }
  const segments: IBarSegment[] = held.map(r => ({
    key: r.session.key,
    label: `${r.notebook ?? r.owner} (${livyLabel(r.session)}): ${r.executors}`,
    executors: r.executors as number,
    fraction: (r.executors as number) / total,
    ours: r.notebook !== null
  }));
  const free = total - segments.reduce((sum, s) => sum + s.executors, 0);
  if (free > 0) {
    segments.push({
      key: 'free',
      label: `free: ${free}`,
      executors: free,
      fraction: free / total,
      ours: false
    });
  }
  return segments;
}

/** The cluster size the shares use: the endpoint details, else the live cluster's. */
export function clusterExecutors(
  capacity: ICapacity | null,
  snapshot: ISessionsSnapshot | null
): number | null {
  return (
    capacity?.maxExecutors ??
    snapshot?.clusterExecutors ??
    snapshot?.cluster?.maxExecutors ??
    null
  );
}

export function heldExecutors(sessions: ILivySession[]): number {
  return sessions.reduce((sum, s) => sum + (s.usage.executors ?? 0), 0);
}

export function formatMemory(mib: number | null): string {
  if (mib === null) {
    return '–';
  }
  return mib >= 1024 ? `${formatNumber(mib / 1024)} GiB` : `${mib} MiB`;
}

export function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/** "42 s", "5 min", "3 h 10 min", "2 d 4 h". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) {
    return `${s} s`;
  }
  const min = Math.floor(s / 60);
  if (min < 60) {
    return `${min} min`;
  }
  const h = Math.floor(min / 60);
  if (h < 24) {
    return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  }
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

export function age(iso: string | null, now: Date): string {
  return iso ? formatDuration(now.getTime() - Date.parse(iso)) : '–';
}

export const SOURCE_LABELS: Record<string, string> = {
  'spark-rest': "Spark's REST API",
  yarn: 'YARN ResourceManager',
  'spark-master': 'Spark standalone master',
  unknown: 'unknown (no Spark UI, ResourceManager or master URL)'
};

/** The sessions holding the most executors, most first. */
export function topHolders(rows: ISessionRow[], count: number): ISessionRow[] {
  return rows
    .filter(r => (r.executors ?? 0) > 0)
    .sort((a, b) => (b.executors ?? 0) - (a.executors ?? 0))
    .slice(0, count);
}
