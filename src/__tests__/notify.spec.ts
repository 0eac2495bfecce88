import { claim, IStore, notices, NOTIFIED_KEY } from '../notify';
import { ISessionsSnapshot } from '../types';
import { plainTranslate as __ } from '../viewmodel';
import { session } from './fixtures';

function memoryStore(): IStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: k => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v)
  };
}

const NOW = new Date('2026-11-24T12:00:00Z');
const snapshot = {
  endpoint: 'http://livy:8998',
  fetchedAt: NOW.toISOString(),
  lastSuccessAt: NOW.toISOString(),
  stale: false,
  error: null,
  livyVersion: null,
  cluster: null,
  clusterExecutors: 6,
  starvation: {
    episode: 2,
    since: '2026-11-24T11:58:00Z',
    holder: 'batch-2',
    waiting: ['batch-4'],
    held: 6,
    clusterExecutors: 6,
    share: 1
  },
  sessions: [
    session('batch', 2, 6, undefined, { name: 'grabber' }),
    session('batch', 4, 0, undefined, { name: 'late' }),
    session('session', 7, 2, 'etl.ipynb', { idleSince: '2026-11-24T11:30:00Z' })
  ]
} as ISessionsSnapshot;

describe('notices', () => {
  it('names holders as the panel does, one id per episode', () => {
    const found = notices(snapshot, NOW, 15, __);
    expect(found.map(n => [n.kind, n.text])).toEqual([
      [
        'starvation',
        'Spark starvation on http://livy:8998: grabber holds 6 of 6 executors while late waits.'
      ],
      [
        'idle',
        'etl.ipynb on http://livy:8998 has been idle for 30 min and still holds 2 executors.'
      ]
    ]);
    expect(
      notices(snapshot, new Date(NOW.getTime() + 60000), 15, __).map(n => n.id)
    ).toEqual(found.map(n => n.id));
  });
  it('raises nothing from old data', () => {
    expect(
      notices(
        { ...snapshot, error: { kind: 'unreachable', message: '', at: '' } },
        NOW,
        15,
        __
      )
    ).toEqual([]);
  });
});

describe('claim', () => {
  it('once per episode per browser: a second tab sharing the store does not notify again', () => {
    const store = memoryStore();
    expect(claim(store, 'a', NOW)).toBe(true);
    expect(claim(store, 'a', NOW)).toBe(false);
    expect(claim(store, 'b', NOW)).toBe(true);
  });
  it('forgets episodes after a week and survives a corrupt store', () => {
    const store = memoryStore();
    claim(store, 'old', new Date(NOW.getTime() - 8 * 24 * 3600 * 1000));
    claim(store, 'new', NOW);
    expect(
      Object.keys(JSON.parse(store.data.get(NOTIFIED_KEY) as string))
    ).toEqual(['new']);
    store.data.set(NOTIFIED_KEY, '[not json');
    expect(claim(store, 'x', NOW)).toBe(true);
    expect(claim(null, 'x', NOW)).toBe(true);
  });
});
