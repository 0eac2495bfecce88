import { checkSection } from '../capacitycheck';
import { IEndpoint, ISessionsSnapshot } from '../types';
import {
  barSegments,
  clusterExecutors,
  endpointView,
  formatDuration,
  formatMemory,
  holderName,
  holderRows,
  IEndpointInput,
  panelView,
  plainTranslate as __,
  signature,
  starvationText,
  topHolders
} from '../viewmodel';
import { livyEndpoint, session } from './fixtures';

const sessions = [
  session('session', 4, 1),
  session('batch', 0, 3, undefined, { name: 'nightly-etl' }),
  session('session', 2, 2, 'b.ipynb'),
  session('session', 10, 0, 'a.ipynb'),
  session('session', 3, null)
];

const endpoint: IEndpoint = livyEndpoint({
  executorMemory: '10g',
  maxExecutorsUnset: true
});

const NOW = new Date('2026-11-24T12:00:00Z');

function snapshot(extra: Partial<ISessionsSnapshot> = {}): ISessionsSnapshot {
  return {
    endpoint: endpoint.url as string,
    fetchedAt: '2026-11-24T11:59:58Z',
    lastSuccessAt: '2026-11-24T11:59:58Z',
    stale: false,
    error: null,
    livyVersion: '0.7.1',
    cluster: null,
    clusterExecutors: null,
    starvation: null,
    sessions,
    ...extra
  };
}

function input(extra: Partial<IEndpointInput> = {}): IEndpointInput {
  return {
    endpoint,
    details: {
      clusterKind: 'custom',
      custom: {
        executors: 8,
        executorMemoryGiB: 1,
        executorCores: 1,
        driverMemoryGiB: 1
      }
    },
    snapshot: snapshot(),
    sessionsError: null,
    expectedSessions: 0,
    idleThresholdMinutes: 15,
    refreshIntervalSeconds: 10,
    now: NOW,
    ...extra
  };
}

describe('holderName', () => {
  it('is the notebook, else the Livy name, else the Livy label', () => {
    expect(holderName(sessions[2], 'session-2', __)).toBe('b.ipynb');
    expect(
      holderName(
        {
          ...sessions[2],
          notebook: { ...sessions[2].notebook!, path: 'team/etl/b.ipynb' }
        },
        'session-2',
        __
      )
    ).toBe('b.ipynb');
    expect(holderName(sessions[1], 'batch-0', __)).toBe('nightly-etl');
    expect(holderName(sessions[0], 'session-4', __)).toBe('Livy session 4');
    expect(holderName(undefined, 'batch-7', __)).toBe('Livy batch 7');
  });

  it('the toast and the panel say the same', () => {
    const starvation = {
      episode: 1,
      since: 'x',
      holder: 'batch-0',
      waiting: ['session-3'],
      held: 3,
      clusterExecutors: 3,
      share: 1
    };
    const text = starvationText(starvation, sessions, __);
    expect(text).toBe(
      'nightly-etl holds 3 of 3 executors while Livy session 3 waits.'
    );
    expect(
      endpointView(input({ snapshot: snapshot({ starvation }) }), __).starvation
    ).toBe(text);
  });
});

describe('holderRows', () => {
  it('puts ours first grouped by notebook, then the others, with shares and colours', () => {
    const rows = holderRows(sessions, 6, __);
    expect(rows.map(r => r.key)).toEqual([
      'session-10',
      'session-2',
      'batch-0',
      'session-3',
      'session-4'
    ]);
    expect(rows[1].share).toBeCloseTo(2 / 6);
    expect(rows[3].share).toBeNull();
    expect(rows.map(r => r.colour)).toEqual([null, 0, 1, null, 2]);
    expect(rows[2].owner).toBeNull();
    expect(rows[4].owner).toBe('carol');
  });

  it('changes a row signature only when what it shows changes', () => {
    const a = signature(holderRows(sessions, 6, __)[1]);
    expect(
      signature(
        holderRows(
          sessions.map(s => ({ ...s })),
          6,
          __
        )[1]
      )
    ).toBe(a);
    const moved = sessions.map(s =>
      s.key === 'session-2' ? { ...s, state: 'busy' } : s
    );
    expect(signature(holderRows(moved, 6, __)[1])).not.toBe(a);
  });
});

describe('barSegments', () => {
  it('stacks what each holds, then what is free, then what is waited for', () => {
    const segments = barSegments(holderRows(sessions, 8, __), 8, 2, __);
    expect(segments.map(s => [s.key, s.executors, s.colour])).toEqual([
      ['session-2', 2, 0],
      ['batch-0', 3, 1],
      ['session-4', 1, 2],
      ['free', 2, null],
      ['waiting', 2, null]
    ]);
    expect(segments.reduce((sum, s) => sum + s.fraction, 0)).toBeCloseTo(1);
    expect(segments[1].title).toBe('nightly-etl: 3 executors');
  });
  it('grows past a too-small cluster size instead of overflowing', () => {
    const segments = barSegments(holderRows(sessions, 4, __), 4, 0, __);
    expect(segments.find(s => s.key === 'free')).toBeUndefined();
    expect(segments.reduce((sum, s) => sum + s.fraction, 0)).toBeCloseTo(1);
  });
  it('is empty when nothing is known', () => {
    expect(barSegments([], null, 0, __)).toEqual([]);
  });
  it('gives the 8 largest holders a colour each and merges the rest', () => {
    const many = Array.from({ length: 20 }, (_, i) =>
      session('session', i, i + 1)
    );
    const rows = holderRows(many, 300, __);
    const segments = barSegments(rows, 300, 0, __);
    expect(segments.length).toBe(10);
    expect(segments[8]).toMatchObject({
      key: 'others',
      executors: 78,
      colour: 'other',
      title: '12 other holders: 78 executors'
    });
    expect(
      rows.filter(r => typeof r.colour === 'number').map(r => r.executors)
    ).toEqual([13, 14, 15, 16, 17, 18, 19, 20]);
  });
});

describe('endpointView states', () => {
  it('busy: figures, bar and rows', () => {
    const v = endpointView(input(), __);
    expect([v.status, v.held, v.free, v.old, v.problem]).toEqual([
      'busy',
      6,
      2,
      false,
      null
    ]);
    expect(v.segments.length).toBe(4);
    expect(v.recommendation?.cap).toBe(1);
  });
  it('empty: no sessions', () => {
    const v = endpointView(input({ snapshot: snapshot({ sessions: [] }) }), __);
    expect([v.status, v.held, v.free]).toEqual(['empty', 0, 8]);
    expect(v.segments.map(s => s.kind)).toEqual(['free']);
  });
  it('loading before the first answer', () => {
    expect(endpointView(input({ snapshot: null }), __).status).toBe('loading');
  });
  it('unreachable: no figures, no bar, last good rows greyed', () => {
    const error = {
      kind: 'unreachable',
      message: 'connection refused (http://livy:8998)',
      at: 'x'
    };
    const v = endpointView(
      input({
        snapshot: snapshot({
          error,
          stale: true,
          lastSuccessAt: '2026-11-24T11:50:00Z'
        })
      }),
      __
    );
    expect([
      v.status,
      v.problem,
      v.free,
      v.held,
      v.segments,
      v.old,
      v.dataAt
    ]).toEqual([
      'unreachable',
      error.message,
      null,
      0,
      [],
      true,
      '2026-11-24T11:50:00Z'
    ]);
    expect(v.rows.length).toBe(5);
  });
  it('auth: refused or unsupported', () => {
    const error = { kind: 'auth', message: 'HTTP 401', at: 'x' };
    expect(
      endpointView(input({ snapshot: snapshot({ error, sessions: [] }) }), __)
        .status
    ).toBe('auth');
  });
  it('server-error when our own route fails', () => {
    const v = endpointView(input({ sessionsError: 'HTTP 500' }), __);
    expect([v.status, v.problem, v.old]).toEqual([
      'server-error',
      'HTTP 500',
      true
    ]);
  });
  it('stale when marked or older than three intervals', () => {
    expect(
      endpointView(input({ snapshot: snapshot({ stale: true }) }), __).status
    ).toBe('stale');
    const old = snapshot({ fetchedAt: '2026-11-24T11:58:00Z' });
    expect(endpointView(input({ snapshot: old }), __).status).toBe('stale');
  });
  it('invalid entries', () => {
    const bad = {
      ...endpoint,
      url: null,
      errors: [{ field: 'x', message: 'bad' }]
    };
    expect(endpointView(input({ endpoint: bad }), __).status).toBe('invalid');
  });
  it('counts waiting executors from YARN and shows snapshot warnings', () => {
    const waiting = [
      session('session', 1, 2, undefined, {
        usage: { ...sessions[0].usage, executors: 2, waitingExecutors: 3 }
      })
    ];
    const v = endpointView(
      input({
        snapshot: snapshot({
          sessions: waiting,
          warnings: ['Livy paging truncated']
        })
      }),
      __
    );
    expect([v.waiting, v.rows[0].waiting, v.warnings]).toEqual([
      3,
      3,
      ['Livy paging truncated']
    ]);
    expect(v.segments.map(s => s.kind)).toEqual(['holder', 'free', 'waiting']);
  });
  it('idle holders by name', () => {
    const idle = [
      session('session', 1, 2, 'etl.ipynb', {
        idleSince: '2026-11-24T11:30:00Z'
      })
    ];
    const v = endpointView(
      input({ snapshot: snapshot({ sessions: idle }) }),
      __
    );
    expect(v.idle.map(h => [h.name, h.idleMinutes, h.executors])).toEqual([
      ['etl.ipynb', 30, 2]
    ]);
  });
});

describe('panelView', () => {
  const base = {
    serverError: null,
    details: () => undefined,
    snapshot: () => null,
    sessionsError: () => null,
    expectedSessions: 0,
    idleThresholdMinutes: 15,
    refreshIntervalSeconds: 10,
    now: NOW
  };
  const config = {
    path: '/c.json',
    status: 'ok' as const,
    message: null,
    line: null,
    column: null,
    problems: []
  };
  it('loading, then server error', () => {
    expect(panelView({ ...base, document: null }, __).status).toBe('loading');
    expect(
      panelView({ ...base, document: null, serverError: 'down' }, __).message
    ).toBe('down');
  });
  it('no config, and a config error with line and column', () => {
    const missing = panelView(
      {
        ...base,
        document: {
          config: { ...config, status: 'missing', message: 'No file' },
          endpoints: []
        }
      },
      __
    );
    expect(missing.status).toBe('no-config');
    const invalid = panelView(
      {
        ...base,
        document: {
          config: {
            ...config,
            status: 'invalid_json',
            message: 'Expecting ,',
            line: 3,
            column: 7
          },
          endpoints: []
        }
      },
      __
    );
    expect(invalid.status).toBe('config-error');
    expect(invalid.hint).toMatch(/^Line 3, column 7: fix the JSON/);
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
    expect(topHolders(holderRows(sessions, 6, __), 2).map(r => r.key)).toEqual([
      'batch-0',
      'session-2'
    ]);
  });
});

describe('clusterExecutors', () => {
  const snap = {
    clusterExecutors: 5,
    cluster: { maxExecutors: 6 }
  } as unknown as ISessionsSnapshot;
  const glue = { kind: 'capacity', capacity: { maxExecutors: 9 } } as any;
  it("uses the server's decision, the endpoint details only until it answers", () => {
    expect(clusterExecutors(glue, snap)).toBe(5);
    expect(clusterExecutors({ kind: 'missing' }, snap)).toBe(5);
    expect(clusterExecutors(glue, null)).toBe(9);
    expect(
      clusterExecutors({ kind: 'missing' }, { ...snap, clusterExecutors: null })
    ).toBeNull();
    expect(clusterExecutors({ kind: 'missing' }, null)).toBeNull();
  });
});

describe('checkSection', () => {
  it('answers capacity, settings, live usage and what a new session gets', () => {
    const view = endpointView(
      input({
        details: {
          clusterKind: 'glue',
          workerType: 'G.1X',
          numberOfWorkers: 10
        },
        snapshot: snapshot({
          sessions: [session('session', 1, 9, 'etl.ipynb')]
        })
      }),
      __
    );
    const section = checkSection(
      { view, active: true, expectedSessions: 3, workerType: 'G.1X' },
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

  it('says when details are missing and when live data is missing', () => {
    const none = endpointView(
      input({ details: undefined, snapshot: null }),
      __
    );
    const section = checkSection(
      { view: none, active: false, expectedSessions: 0 },
      __
    );
    expect(section.lines[0]).toMatch(/endpoint details not given/);
    expect(section.lines[section.lines.length - 1]).toBe(
      'Live usage: not loaded yet.'
    );
    const down = endpointView(
      input({
        snapshot: snapshot({
          error: { kind: 'unreachable', message: 'refused', at: 'x' },
          stale: true
        })
      }),
      __
    );
    const lines = checkSection(
      { view: down, active: false, expectedSessions: 0 },
      __
    ).lines;
    expect(lines[lines.length - 1]).toBe(
      'Live usage is missing: refused (the sessions below are old)'
    );
  });
});

describe('discovered endpoint details', () => {
  const discovery = {
    details: { clusterKind: 'glue', workerType: 'G.1X', numberOfWorkers: 10 },
    sources: { capacity: 'Glue: G.1X × 10 workers, from GetDevEndpoints' },
    glue: { state: 'ok' },
    resourceManager: null
  };
  it('size the cluster when the user gave no kind, and say where from', () => {
    const view = endpointView(
      input({ details: undefined, snapshot: snapshot({ discovery }) }),
      __
    );
    expect(
      view.capacity.kind === 'capacity' && view.capacity.capacity.maxExecutors
    ).toBe(9);
    expect(view.sources).toEqual([discovery.sources.capacity]);
    expect(view.discoveryProblem).toBeNull();
  });
  it("never override the user's kind, and say why discovery could not help", () => {
    const failed = {
      ...discovery,
      glue: {
        state: 'error',
        error: { kind: 'access-denied', message: 'needs glue:GetDevEndpoints' }
      }
    };
    const view = endpointView(
      input({ snapshot: snapshot({ discovery: failed }) }),
      __
    );
    expect(
      view.capacity.kind === 'capacity' && view.capacity.capacity.maxExecutors
    ).toBe(8);
    expect(view.discoveryProblem).toBe('needs glue:GetDevEndpoints');
  });
});
