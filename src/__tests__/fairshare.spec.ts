import {
  configureSnippet,
  fairShareCap,
  idleHolders,
  newSessionOutlook,
  recommendCap
} from '../fairshare';

describe('fairShareCap', () => {
  it.each([
    [9, 3, 3],
    [10, 3, 3],
    [17, 3, 5],
    [9, 0, 9],
    [2, 5, 1],
    [0, 2, 1]
  ])('%i executors over %i sessions caps at %i', (max, sessions, cap) => {
    expect(fairShareCap(max, sessions)).toBe(cap);
  });

  it('names the bad field', () => {
    expect(() => fairShareCap(2.5, 2)).toThrow(/maxExecutors/);
    expect(() => fairShareCap(4, -1)).toThrow(/concurrentSessions/);
  });
});

describe('recommendCap', () => {
  it('uses the expected sessions from settings when given', () => {
    expect(recommendCap(9, 1, 3)).toEqual({
      cap: 3,
      maxExecutors: 9,
      sessions: 3,
      sessionsSource: 'settings'
    });
  });
  it('falls back to the live count, at least one', () => {
    expect(recommendCap(9, 2, null).cap).toBe(4);
    expect(recommendCap(9, 0).sessions).toBe(1);
  });
});

describe('configureSnippet', () => {
  it('is the %%configure -f cell AWS recommends, with a string value', () => {
    const snippet = configureSnippet(5);
    expect(snippet.split('\n')[0]).toBe('%%configure -f');
    expect(JSON.parse(snippet.split('\n')[1])).toEqual({
      conf: { 'spark.dynamicAllocation.maxExecutors': '5' }
    });
  });
});

describe('idleHolders', () => {
  const now = new Date('2026-11-24T12:00:00Z');
  it('flags idle sessions past the threshold that still hold executors', () => {
    const holders = idleHolders(
      [
        {
          key: 'session-1',
          state: 'idle',
          idleSince: '2026-11-24T11:30:00Z',
          executors: 3
        },
        {
          key: 'session-2',
          state: 'idle',
          idleSince: '2026-11-24T11:50:00Z',
          executors: 2
        },
        {
          key: 'session-3',
          state: 'idle',
          idleSince: '2026-11-24T11:00:00Z',
          executors: 0
        },
        { key: 'session-4', state: 'busy', idleSince: null, executors: 4 },
        {
          key: 'session-5',
          state: 'idle',
          idleSince: '2026-11-24T11:40:00Z',
          executors: 1
        }
      ],
      now,
      15
    );
    expect(holders).toEqual([
      { key: 'session-1', idleMinutes: 30, executors: 3 },
      { key: 'session-5', idleMinutes: 20, executors: 1 }
    ]);
  });
});

describe('newSessionOutlook', () => {
  it('a new session gets what is free, up to its cap', () => {
    expect(newSessionOutlook(9, 5)).toEqual({
      free: 4,
      couldGet: 4,
      wouldWait: false
    });
    expect(newSessionOutlook(9, 5, 2)).toEqual({
      free: 4,
      couldGet: 2,
      wouldWait: false
    });
  });
  it('waits when the cluster is full', () => {
    expect(newSessionOutlook(9, 9, 3)).toEqual({
      free: 0,
      couldGet: 0,
      wouldWait: true
    });
    expect(newSessionOutlook(9, 12).free).toBe(0);
  });
});
