/**
 * Turning the server's JSON into what the panel shows: one view model per endpoint (state,
 * bar segments, holder rows, idle holders, starvation, recommendation) and the one function that
 * names a holder. Pure (no JupyterLab imports), so it tests in isolation; components only render
 * its output. Translation comes in as a function.
 */
import {
  CapacityResult,
  capacityFromDetails,
  IEndpointDetails
} from './capacity';
import { idleHolders, IRecommendation, recommendCap } from './fairshare';
import {
  IEndpoint,
  IEndpointsDocument,
  ILivySession,
  ISessionsSnapshot,
  IStarvation
} from './types';

export type Translate = (msg: string, ...args: (string | number)[]) => string;

/** Identity translation with %1… substitution, for tests and fallbacks. */
export const plainTranslate: Translate = (msg, ...args) =>
  args.reduce<string>(
    (text, arg, i) => text.split(`%${i + 1}`).join(String(arg)),
    msg
  );

/** How many distinct holder colours the stylesheet defines (jp-mod-c0 … c7). */
export const HOLDER_COLOURS = 8;

const labels = new WeakMap<Translate, Map<string, string>>();

/** "Livy session 3", "Livy batch 0" (cached per translation: 500 rows refresh often). */
export function livyLabel(
  session: { type: string; id: number },
  __: Translate
): string {
  let cache = labels.get(__);
  if (!cache) {
    labels.set(__, (cache = new Map()));
  }
  const key = `${session.type}-${session.id}`;
  let label = cache.get(key);
  if (label === undefined) {
    label =
      session.type === 'batch'
        ? __('Livy batch %1', session.id)
        : __('Livy session %1', session.id);
    cache.set(key, label);
  }
  return label;
}

/**
 * The one name of a holder, used by the panel, the bar, the toasts and the palette check: its
 * notebook's file name (its path goes in titles), else the Livy session or batch name, else its
 * Livy label. A bare row key ("batch-4") names a holder the snapshot no longer lists.
 */
export function holderName(
  session: ILivySession | undefined,
  key: string,
  __: Translate
): string {
  if (session) {
    const path = session.notebook?.path;
    return (path && fileName(path)) || session.name || livyLabel(session, __);
  }
  const [type, id] = key.split('-');
  return livyLabel({ type, id: Number(id) }, __);
}

/** The last part of a notebook path: what fits a sidebar line (the path goes in its title). */
export function fileName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1) || path;
}

export interface IHolderRow {
  key: string;
  session: ILivySession;
  name: string;
  /** proxyUser, else owner, else null. */
  owner: string | null;
  livy: string;
  /** The notebook path for this server's kernels, else null. */
  notebook: string | null;
  executors: number | null;
  /** maxExecutors, else numExecutors. */
  cap: number | null;
  waiting: number | null;
  /** Share of the cluster's executors, 0..1, when both are known. */
  share: number | null;
  /** Index into the holder palette; 'other' when it holds executors in the bar's "others". */
  colour: number | 'other' | null;
  starving: 'holder' | 'waiting' | null;
}

const signatures = new WeakMap<IHolderRow, string>();

/** Everything a row renders, so a row re-renders only when this changes (computed on demand). */
export function signature(row: IHolderRow): string {
  let sig = signatures.get(row);
  if (sig === undefined) {
    const s = row.session;
    sig = JSON.stringify([
      row.name,
      row.owner,
      row.executors,
      row.cap,
      row.waiting,
      row.colour,
      row.starving,
      s.state,
      s.startedAt,
      s.usage,
      s.sparkUiUrl,
      s.driverLogUrl,
      s.appId,
      s.kind
    ]);
    signatures.set(row, sig);
  }
  return sig;
}

export interface ISegment {
  key: string;
  kind: 'holder' | 'free' | 'waiting';
  executors: number;
  fraction: number;
  colour: number | 'other' | null;
  title: string;
}

export interface IIdleView {
  key: string;
  name: string;
  idleMinutes: number;
  executors: number;
  row: IHolderRow | undefined;
}

/**
 * invalid: the SparkMagic entry is broken; loading: nothing asked yet; server-error: our own
 * route failed; auth: Livy refused or the auth is unsupported; unreachable: Livy did not answer;
 * stale: data older than it should be; empty: no session; busy: sessions hold or want executors.
 */
export type EndpointStatus =
  | 'invalid'
  | 'loading'
  | 'server-error'
  | 'auth'
  | 'unreachable'
  | 'stale'
  | 'empty'
  | 'busy';

export interface IEndpointView {
  endpoint: IEndpoint;
  status: EndpointStatus;
  capacity: CapacityResult;
  /** Where the capacity and the live figures come from, as the server says (discovery). */
  sources: string[];
  /** Why discovery could not help, when it could not (e.g. no AWS permission). */
  discoveryProblem: string | null;
  clusterExecutors: number | null;
  snapshot: ISessionsSnapshot | null;
  /** What is wrong when the figures are missing or old, or null. */
  problem: string | null;
  /** Rows are last-good data (greyed, kill disabled). */
  old: boolean;
  /** When the rows were last read from Livy. */
  dataAt: string | null;
  held: number;
  free: number | null;
  waiting: number;
  segments: ISegment[];
  rows: IHolderRow[];
  idle: IIdleView[];
  starvation: string | null;
  recommendation: IRecommendation | null;
  settings: [string, string][];
  maxExecutorsUnset: boolean;
  warnings: string[];
}

export interface IEndpointInput {
  endpoint: IEndpoint;
  details: IEndpointDetails | undefined;
  snapshot: ISessionsSnapshot | null;
  sessionsError: string | null;
  expectedSessions: number;
  idleThresholdMinutes: number;
  refreshIntervalSeconds: number;
  now: Date;
}

/** The cluster size the server decided starvation with; the endpoint details until it answers. */
export function clusterExecutors(
  capacity: CapacityResult,
  snapshot: ISessionsSnapshot | null
): number | null {
  return (
    snapshot?.clusterExecutors ??
    (capacity.kind === 'capacity' ? capacity.capacity.maxExecutors : null)
  );
}

export function heldExecutors(sessions: ILivySession[]): number {
  return sessions.reduce((sum, s) => sum + (s.usage.executors ?? 0), 0);
}

/** Everything one endpoint's card (and the palette check) shows. */
export function endpointView(
  input: IEndpointInput,
  __: Translate
): IEndpointView {
  const { endpoint, snapshot, now } = input;
  // Discovered details stand in for the user's only where the user gave no cluster kind.
  const discovered = snapshot?.discovery;
  const capacity = capacityFromDetails(
    input.details?.clusterKind || !discovered?.details.clusterKind
      ? input.details
      : (discovered.details as IEndpointDetails)
  );
  const executors = clusterExecutors(capacity, snapshot);
  const s = endpoint.sessionSettings;
  const settings = (
    [
      ['driverMemory', s.driverMemory],
      ['executorMemory', s.executorMemory],
      ['executorCores', s.executorCores],
      ['numExecutors', s.numExecutors],
      ...Object.entries(s.dynamicAllocation)
    ] as [string, unknown][]
  )
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => [k, String(v)] as [string, string]);
  const base = {
    endpoint,
    capacity,
    sources: [...new Set(Object.values(discovered?.sources ?? {}))],
    discoveryProblem: discovered?.glue?.error?.message ?? null,
    clusterExecutors: executors,
    snapshot,
    settings,
    maxExecutorsUnset: s.maxExecutorsUnset,
    warnings: [
      ...endpoint.warnings.map(w => w.message),
      ...(snapshot?.warnings ?? [])
    ]
  };
  const sessions = snapshot?.sessions ?? [];
  const starvation = snapshot?.starvation ?? null;
  const starving = new Map<string, 'holder' | 'waiting'>();
  if (starvation) {
    starving.set(starvation.holder, 'holder');
    starvation.waiting.forEach(k => starving.set(k, 'waiting'));
  }
  const rows = holderRows(sessions, executors, __, starving);
  let status: EndpointStatus;
  let problem: string | null = null;
  if (endpoint.errors.length) {
    status = 'invalid';
  } else if (input.sessionsError) {
    status = 'server-error';
    problem = input.sessionsError;
  } else if (!snapshot) {
    status = 'loading';
  } else if (snapshot.error) {
    status = snapshot.error.kind === 'auth' ? 'auth' : 'unreachable';
    problem = snapshot.error.message;
  } else if (
    snapshot.stale ||
    now.getTime() - Date.parse(snapshot.fetchedAt) >
      3 * input.refreshIntervalSeconds * 1000 + 5000
  ) {
    status = 'stale';
  } else {
    status = rows.length ? 'busy' : 'empty';
  }
  // Figures are current only when Livy answered this time; otherwise no bar, no counts.
  const current = status === 'busy' || status === 'empty' || status === 'stale';
  const held = current ? heldExecutors(sessions) : 0;
  const waiting = current
    ? sessions.reduce((sum, x) => sum + (x.usage.waitingExecutors ?? 0), 0)
    : 0;
  // A cap only helps when sessions share the cluster: two or more live, or expected.
  const sharing = sessions.length >= 2 || input.expectedSessions > 0;
  return {
    ...base,
    status,
    problem,
    old: !current && sessions.length > 0,
    dataAt: snapshot?.lastSuccessAt ?? snapshot?.fetchedAt ?? null,
    held,
    free: current && executors !== null ? Math.max(executors - held, 0) : null,
    waiting,
    segments: current ? barSegments(rows, executors, waiting, __) : [],
    rows,
    idle: current
      ? idleHolders(
          sessions.map(x => ({
            key: x.key,
            state: x.state,
            idleSince: x.idleSince,
            executors: x.usage.executors
          })),
          now,
          input.idleThresholdMinutes
        ).map(h => {
          const row = rows.find(r => r.key === h.key);
          return {
            ...h,
            row,
            name: row?.name ?? holderName(undefined, h.key, __)
          };
        })
      : [],
    starvation:
      current && starvation ? starvationText(starvation, sessions, __) : null,
    recommendation:
      current && executors && s.maxExecutorsUnset && sharing
        ? recommendCap(executors, sessions.length, input.expectedSessions)
        : null
  };
}

/** One collator: localeCompare with options builds one per call, too slow for 500 rows. */
const collator = new Intl.Collator(undefined, { numeric: true });

/** Ours first, grouped by notebook path, then the others by Livy id; colours in that order. */
export function holderRows(
  sessions: ILivySession[],
  executors: number | null,
  __: Translate,
  starving: Map<string, 'holder' | 'waiting'> = new Map()
): IHolderRow[] {
  const rows = sessions.map((session): IHolderRow => {
    const held = session.usage.executors;
    const row: IHolderRow = {
      key: session.key,
      session,
      name: holderName(session, session.key, __),
      owner: session.proxyUser || session.owner || null,
      livy: livyLabel(session, __),
      notebook: session.notebook?.path ?? null,
      executors: held,
      cap: session.caps.maxExecutors ?? session.caps.numExecutors,
      waiting: session.usage.waitingExecutors ?? null,
      share: held !== null && executors ? held / executors : null,
      colour: null,
      starving: starving.get(session.key) ?? null
    };
    return row;
  });
  rows.sort((a, b) => {
    if ((a.notebook === null) !== (b.notebook === null)) {
      return a.notebook === null ? 1 : -1;
    }
    return (
      collator.compare(a.notebook ?? '', b.notebook ?? '') ||
      collator.compare(a.key, b.key)
    );
  });
  // The largest holders get a colour and a segment each; the rest share one "others" segment.
  const top = new Set(
    rows
      .filter(r => (r.executors ?? 0) > 0)
      .sort((a, b) => (b.executors as number) - (a.executors as number))
      .slice(0, HOLDER_COLOURS)
  );
  let colour = 0;
  for (const row of rows) {
    if (top.has(row)) {
      row.colour = colour++;
    } else if ((row.executors ?? 0) > 0) {
      row.colour = 'other';
    }
  }
  return rows;
}

/** The capacity bar: each holder, then what is free, then the executors asked for and waited on. */
export function barSegments(
  rows: IHolderRow[],
  executors: number | null,
  waiting: number,
  __: Translate
): ISegment[] {
  const holders = rows.filter(r => (r.executors ?? 0) > 0);
  const held = holders.reduce((sum, r) => sum + (r.executors ?? 0), 0);
  const capacity = Math.max(executors ?? 0, held);
  const total = capacity + waiting;
  if (!total) {
    return [];
  }
  const segments: ISegment[] = holders
    .filter(r => r.colour !== 'other')
    .map(r => ({
      key: r.key,
      kind: 'holder',
      executors: r.executors as number,
      fraction: (r.executors as number) / total,
      colour: r.colour,
      title: __('%1: %2 executors', r.name, r.executors as number)
    }));
  const others = holders.filter(r => r.colour === 'other');
  const byOthers = others.reduce((sum, r) => sum + (r.executors as number), 0);
  if (byOthers) {
    segments.push({
      key: 'others',
      kind: 'holder',
      executors: byOthers,
      fraction: byOthers / total,
      colour: 'other',
      title: __('%1 other holders: %2 executors', others.length, byOthers)
    });
  }
  const free = capacity - held;
  if (free > 0) {
    segments.push({
      key: 'free',
      kind: 'free',
      executors: free,
      fraction: free / total,
      colour: null,
      title: __('Free: %1 executors', free)
    });
  }
  if (waiting > 0) {
    segments.push({
      key: 'waiting',
      kind: 'waiting',
      executors: waiting,
      fraction: waiting / total,
      colour: null,
      title: __('Waiting for: %1 executors', waiting)
    });
  }
  return segments;
}

/** "ui-grabber holds 6 of 6 executors while ui-late waits." — the card and the toast. */
export function starvationText(
  starvation: IStarvation,
  sessions: ILivySession[],
  __: Translate
): string {
  const name = (key: string) =>
    holderName(
      sessions.find(s => s.key === key),
      key,
      __
    );
  return __(
    '%1 holds %2 of %3 executors while %4 waits.',
    name(starvation.holder),
    starvation.held,
    starvation.clusterExecutors,
    starvation.waiting.map(name).join(', ')
  );
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

/** Where an executor figure comes from. */
export function sourceLabel(source: string, __: Translate): string {
  switch (source) {
    case 'spark-rest':
      return __("Spark's REST API");
    case 'yarn':
      return __('YARN ResourceManager');
    case 'spark-master':
      return __('Spark standalone master');
    default:
      return __('unknown');
  }
}

/** The sessions holding the most executors, most first. */
export function topHolders(rows: IHolderRow[], count: number): IHolderRow[] {
  return rows
    .filter(r => (r.executors ?? 0) > 0)
    .sort((a, b) => (b.executors ?? 0) - (a.executors ?? 0))
    .slice(0, count);
}

/** The whole panel: the SparkMagic config's state, then one view per endpoint. */
export interface IPanelView {
  status: 'loading' | 'server-error' | 'no-config' | 'config-error' | 'ok';
  /** Our server's error, or the config's message. */
  message: string | null;
  /** What to do about it. */
  hint: string | null;
  path: string | null;
  problems: string[];
  endpoints: IEndpointView[];
}

export interface IPanelInput {
  document: IEndpointsDocument | null;
  serverError: string | null;
  details: (url: string) => IEndpointDetails | undefined;
  snapshot: (url: string) => ISessionsSnapshot | null;
  sessionsError: (url: string) => string | null;
  expectedSessions: number;
  idleThresholdMinutes: number;
  refreshIntervalSeconds: number;
  now: Date;
}

export function panelView(input: IPanelInput, __: Translate): IPanelView {
  const doc = input.document;
  if (!doc) {
    return {
      status: input.serverError ? 'server-error' : 'loading',
      message: input.serverError,
      hint: null,
      path: null,
      problems: [],
      endpoints: []
    };
  }
  const { config } = doc;
  let status: IPanelView['status'] = 'ok';
  let hint: string | null = null;
  if (config.status === 'missing' || config.status === 'empty') {
    status = 'no-config';
    hint = __(
      'Create it with a kernel_python_credentials block giving your Livy URL, as in SparkMagic’s example_config.json; the panel reads it again as soon as it changes.'
    );
  } else if (config.status !== 'ok') {
    status = 'config-error';
    hint =
      config.status === 'invalid_json' && config.line !== null
        ? __(
            'Line %1, column %2: fix the JSON there (a missing comma, quote or brace is the usual cause).',
            config.line,
            config.column ?? 1
          )
        : __('Fix the file: the panel reads it again when it changes.');
  }
  return {
    status: input.serverError ? 'server-error' : status,
    message: input.serverError ?? config.message,
    hint,
    path: config.path,
    problems: config.problems.map(p => p.message),
    endpoints: doc.endpoints.map(endpoint => {
      const url = endpoint.url ?? '';
      return endpointView(
        {
          endpoint,
          details: input.details(url),
          snapshot: input.snapshot(url),
          sessionsError: input.sessionsError(url),
          expectedSessions: input.expectedSessions,
          idleThresholdMinutes: input.idleThresholdMinutes,
          refreshIntervalSeconds: input.refreshIntervalSeconds,
          now: input.now
        },
        __
      );
    })
  };
}
