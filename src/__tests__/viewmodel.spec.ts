import { checkSection } from '../capacitycheck';
import { IEndpoint, ILivySession, ISessionsSnapshot } from '../types';
import {
  barSegments,
  clusterExecutors,
  formatDuration,
  formatMemory,
  sessionRows,
  topHolders
} from '../viewmodel';

function session(type: 'session' | 'batch', id: number, executors: number | null, notebook?: string): ILivySession {
  return {
    key: `${type}-${id}`,
    type,
    id,
    name: null,
    appId: null,
    state: 'idle',
    kind: 'pyspark',
    owner: type === 'batch' ? null : 'carol',
    proxyUser: null,
    startedAt: null,
    startedAtSource: 'first-seen',
    idleSince: null,
    usage: { source: 'spark-master', executors, cores: executors, memoryMiB: executors === null ? null : executors * 512, error: null },
    caps: { maxExecutors: null, minExecutors: null, dynamicAllocation: null, numExecutors: null, executorCores: null, executorMemory: null },
    sparkUiUrl: null,
    driverLogUrl: null,
    notebook: notebook ? { path: notebook, name: notebook, kernelId: 'k' } : null
  };
}

const sessions = [
  session('session', 4, 1),
  session('batch', 0, 3),
  session('session', 2, 2, 'b.ipynb'),
  session('session', 10, 0, 'a.ipynb'),
  session('session', 3, null)
];

describe('sessionRows', () => {
  it('puts ours first grouped by notebook, then the others, with shares', () => {
    const rows = sessionRows(sessions, 6);
    expect(rows.map(r => r.session.key)).toEqual(['session-10', 'session-2', 'batch-0', 'session-3', 'session-4']);
    expect(rows[1].share).toBeCloseTo(2 / 6);
    expect(rows[3].share).toBeNull();
    expect(rows[2].owner).toBe('a batch job');
    expect(rows[4].owner).toBe('carol');
  });
});

describe('barSegments', () => {
  it('stacks what each holds and then what is free', () => {
    const segments = barSegments(sessionRows(sessions, 8), 8);
    expect(segments.map(s => [s.key, s.executors, s.ours])).toEqual([
      ['session-2', 2, true],
      ['batch-0', 3, false],
      ['session-4', 1, false],
      ['free', 2, false]
    ]);
    expect(segments.reduce((sum, s) => sum + s.fraction, 0)).toBeCloseTo(1);
  });
  it('grows past a too-small cluster size instead of overflowing', () => {
    const segments = barSegments(sessionRows(sessions, 4), 4);
    expect(segments.find(s => s.key === 'free')).toBeUndefined();
    expect(segments.reduce((sum, s) => sum + s.fraction, 0)).toBeCloseTo(1);
  });
  it('is empty when nothing is known', () => {
    expect(barSegments([], null)).toEqual([]);
  });
});

describe('formatting', () => {
  it.each([
    [5000, '5 s'],
    [125000, '2 min'],
    [3 * 3600000 + 600000, '3 h 10 min'],
    [50 * 3600000, '2 d 2 h']
  ])('%i ms is %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
  it('memory in MiB or GiB', () => {
    expect(formatMemory(512)).toBe('512 MiB');
    expect(formatMemory(1536)).toBe('1.5 GiB');
    expect(formatMemory(null)).toBe('–');
  });
  it('top holders, most first', () => {
    expect(topHolders(sessionRows(sessions, 6), 2).map(r => r.session.key)).toEqual(['batch-0', 'session-2']);
  });
});

describe('clusterExecutors', () => {
  const snap = { clusterExecutors: 5, cluster: { maxExecutors: 6 } } as unknown as ISessionsSnapshot;
  it('prefers the endpoint details, then the server, then the live cluster', () => {
    expect(clusterExecutors({ maxExecutors: 9 } as any, snap)).toBe(9);
    expect(clusterExecutors(null, snap)).toBe(5);
    expect(clusterExecutors(null, { ...snap, clusterExecutors: null })).toBe(6);
    expect(clusterExecutors(null, null)).toBeNull();
  });
});

describe('checkSection', () => {
  const endpoint: IEndpoint = {
    id: 'http://livy:8998',
    url: 'http://livy:8998',
    kernels: ['python'],
    auth: 'None',
    username: null,
    hasPassword: false,
    customHeaderNames: [],
    verifySsl: true,
    sessionSettings: {
      driverMemory: null,
      executorMemory: '10g',
      executorCores: null,
      numExecutors: null,
      dynamicAllocation: {},
      maxExecutorsUnset: true,
      properties: {}
    },
    errors: [],
    warnings: []
  };
  const __ = (msg: string, ...args: (string | number)[]) =>
    args.reduce<string>((text, arg, i) => text.replace(`%${i + 1}`, String(arg)), msg);

  it('answers capacity, settings, live usage and what a new session gets', () => {
    const snapshot = { sessions: [session('session', 1, 9, 'etl.ipynb')], error: null, stale: false } as unknown as ISessionsSnapshot;
    const section = checkSection(
      {
        endpoint,
        capacity: { kind: 'capacity', capacity: { maxExecutors: 9, executorMemoryGiB: 10, executorCores: 8, driverMemoryGiB: 10, totalExecutorMemoryGiB: 90, totalExecutorCores: 72 } },
        snapshot,
        clusterExecutors: 9,
        active: true,
        expectedSessions: 3,
        workerType: 'G.1X'
      },
      __
    );
    expect(section.title).toBe('http://livy:8998 (active notebook)');
    expect(section.lines).toEqual([
      'Capacity: 9 executors, 90 GiB executor memory, 72 cores; 10 GiB driver memory per session.',
      'Settings SparkMagic sends: executorMemory=10g',
      'maxExecutors is unset: one session can take the whole cluster.',
      'Live: 9 of 9 executors held, 0 free; 4.5 GiB of executor memory held.',
      'A new session now would wait: no executor is free.',
      'Fair share: maxExecutors = 3 (9 executors / 3 sessions).',
      'Most held: etl.ipynb (Livy session 1): 9',
      'Sizing: 3 users × 3 executors each need 12 G.1X workers.'
    ]);
  });

  it('says when details are missing', () => {
    const section = checkSection(
      { endpoint, capacity: { kind: 'missing' }, snapshot: null, clusterExecutors: null, active: false, expectedSessions: 0 },
      __
    );
    expect(section.lines[0]).toMatch(/endpoint details not given/);
    expect(section.lines[section.lines.length - 1]).toBe('Live usage: not loaded yet.');
  });
});
