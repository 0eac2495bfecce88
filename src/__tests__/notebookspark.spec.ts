import {
  notebookSessions,
  sessionOfKernel,
  statusText
} from '../notebookspark';
import { ISessionsSnapshot } from '../types';
import {
  endpointView,
  IEndpointInput,
  plainTranslate as __
} from '../viewmodel';
import { livyEndpoint, session } from './fixtures';

function view(
  snapshot: Partial<ISessionsSnapshot>,
  executors: number | null = 9
) {
  const full: ISessionsSnapshot = {
    endpoint: 'http://livy:8998',
    fetchedAt: '2026-11-24T11:59:58Z',
    lastSuccessAt: '2026-11-24T11:59:58Z',
    stale: false,
    error: null,
    livyVersion: '0.7.1',
    cluster: null,
    clusterExecutors: executors,
    starvation: null,
    sessions: [],
    ...snapshot
  };
  const input: IEndpointInput = {
    endpoint: livyEndpoint(),
    details: undefined,
    snapshot: full,
    sessionsError: null,
    expectedSessions: 0,
    idleThresholdMinutes: 15,
    refreshIntervalSeconds: 10,
    now: new Date('2026-11-24T12:00:00Z')
  };
  return endpointView(input, __);
}

const mine = (
  id: number,
  executors: number | null,
  kernelId: string,
  extra = {}
) =>
  session('session', id, executors, `nb-${id}.ipynb`, {
    notebook: { path: `nb-${id}.ipynb`, name: `nb-${id}.ipynb`, kernelId },
    ...extra
  });

describe('notebook sessions', () => {
  it('lists only this server’s notebooks and finds the active kernel’s', () => {
    const views = [
      view({
        sessions: [mine(0, 6, 'k0'), session('batch', 1, 3), mine(2, 0, 'k2')]
      })
    ];
    expect(notebookSessions(views).map(s => s.row.notebook)).toEqual([
      'nb-0.ipynb',
      'nb-2.ipynb'
    ]);
    const active = sessionOfKernel(views, 'k0');
    expect(active && statusText(active)).toBe('Spark 6/9');
    expect(active?.warn).toBeNull();
    expect(sessionOfKernel(views, 'k-other')).toBeNull(); // no SparkMagic session: hidden
    expect(sessionOfKernel(views, null)).toBeNull();
  });

  it('warns for the starvation holder and for sessions that wait', () => {
    const views = [
      view({
        sessions: [
          mine(0, 8, 'k0'),
          mine(1, 0, 'k1', { state: 'starting' }),
          mine(2, 1, 'k2', {
            usage: {
              source: 'yarn',
              executors: 1,
              cores: 1,
              memoryMiB: 512,
              waitingExecutors: 2,
              error: null
            }
          })
        ],
        starvation: {
          episode: 1,
          since: '2026-11-24T11:50:00Z',
          holder: 'session-0',
          waiting: ['session-2'],
          held: 8,
          clusterExecutors: 9,
          share: 0.89
        }
      })
    ];
    expect(notebookSessions(views).map(s => s.warn)).toEqual([
      'holder',
      'waiting',
      'waiting'
    ]);
  });

  it('does not warn a session that holds the whole cluster and asks YARN for more', () => {
    const usage = (executors: number) => ({
      usage: {
        source: 'yarn',
        executors,
        cores: executors,
        memoryMiB: 512 * executors,
        waitingExecutors: 1,
        error: null
      }
    });
    const views = [
      view({ sessions: [mine(0, 6, 'k0', usage(6))] }, 6),
      view({ sessions: [mine(1, 5, 'k1', usage(5))] }, 6),
      view({ sessions: [mine(2, 6, 'k2', usage(6))] }, null)
    ];
    expect(notebookSessions(views).map(s => s.warn)).toEqual([
      null,
      'waiting',
      'waiting'
    ]);
  });

  it('says "Spark n" when the cluster size is unknown and skips last-good data', () => {
    expect(
      statusText(
        sessionOfKernel([view({ sessions: [mine(0, 2, 'k0')] }, null)], 'k0')!
      )
    ).toBe('Spark 2');
    const old = view({
      sessions: [mine(0, 2, 'k0')],
      stale: true,
      error: {
        kind: 'unreachable',
        message: 'down',
        at: '2026-11-24T12:00:00Z'
      }
    });
    expect(old.old).toBe(true);
    expect(sessionOfKernel([old], 'k0')).toBeNull();
  });
});
