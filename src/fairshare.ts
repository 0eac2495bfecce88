/**
 * Sharing a cluster fairly: the fair-share cap, endpoint sizing, idle holders and the outlook of
 * a new session. Pure (no JupyterLab imports) so it tests in isolation. The server decides
 * starvation episodes (jupyterlab_livy_capacity/fairshare.py); Glue sizing lives in capacity.ts.
 */

/** The Spark conf key that caps one session's executors under dynamic allocation. */
export const MAX_EXECUTORS_KEY = 'spark.dynamicAllocation.maxExecutors';

/** The cluster's max executors divided by the expected concurrent sessions, never below 1. */
export function fairShareCap(
  maxExecutors: number,
  concurrentSessions: number
): number {
  if (!Number.isInteger(maxExecutors) || maxExecutors < 0) {
    throw new Error(
      `maxExecutors must be a whole number of at least 0, not ${maxExecutors}`
    );
  }
  if (!Number.isInteger(concurrentSessions) || concurrentSessions < 0) {
    throw new Error(
      `concurrentSessions must be a whole number of at least 0, not ${concurrentSessions}`
    );
  }
  return Math.max(
    1,
    Math.floor(maxExecutors / Math.max(concurrentSessions, 1))
  );
}

export interface IRecommendation {
  cap: number;
  maxExecutors: number;
  sessions: number;
  /** Where the session count came from. */
  sessionsSource: 'live' | 'settings';
}

/**
 * The cap to recommend: the expected concurrent sessions come from settings when given, else
 * from the live count (at least 1).
 */
export function recommendCap(
  maxExecutors: number,
  liveSessions: number,
  expectedSessions?: number | null
): IRecommendation {
  const fromSettings =
    typeof expectedSessions === 'number' && expectedSessions > 0;
  const sessions = fromSettings
    ? (expectedSessions as number)
    : Math.max(liveSessions, 1);
  return {
    cap: fairShareCap(maxExecutors, sessions),
    maxExecutors,
    sessions,
    sessionsSource: fromSettings ? 'settings' : 'live'
  };
}

/** The `%%configure -f` cell body that applies a cap to the notebook's next session. */
export function configureSnippet(cap: number): string {
  return `%%configure -f\n${JSON.stringify({
    conf: { [MAX_EXECUTORS_KEY]: String(cap) }
  })}`;
}

export interface IHeldSession {
  key: string;
  state: string;
  idleSince: string | null;
  executors: number | null;
}

export interface IIdleHolder {
  key: string;
  idleMinutes: number;
  executors: number;
}

/** Sessions idle longer than the threshold that still hold executors, longest idle first. */
export function idleHolders(
  sessions: IHeldSession[],
  now: Date,
  thresholdMinutes: number
): IIdleHolder[] {
  const holders: IIdleHolder[] = [];
  for (const s of sessions) {
    if (s.state !== 'idle' || !s.idleSince || !s.executors) {
      continue;
    }
    const idleMinutes = (now.getTime() - Date.parse(s.idleSince)) / 60000;
    if (idleMinutes >= thresholdMinutes) {
      holders.push({ key: s.key, idleMinutes, executors: s.executors });
    }
  }
  return holders.sort((a, b) => b.idleMinutes - a.idleMinutes);
}

export interface INewSessionOutlook {
  free: number;
  couldGet: number;
  wouldWait: boolean;
}

/**
 * What a new session could get now: the free executors, limited by its own cap; it waits for
 * executors when none are free.
 */
export function newSessionOutlook(
  clusterExecutors: number,
  heldExecutors: number,
  sessionCap?: number | null
): INewSessionOutlook {
  const free = Math.max(clusterExecutors - heldExecutors, 0);
  const couldGet =
    typeof sessionCap === 'number' ? Math.min(free, sessionCap) : free;
  return { free, couldGet, wouldWait: free === 0 };
}
