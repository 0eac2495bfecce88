/**
 * The text of the "Check Spark capacity" answer, per endpoint. Pure: translation comes in as a
 * function so this tests without JupyterLab.
 */
import { CapacityResult } from './capacity';
import { newSessionOutlook, recommendCap, workersNeeded } from './fairshare';
import { IEndpoint, ISessionsSnapshot } from './types';
import { formatMemory, formatNumber, heldExecutors, livyLabel, sessionRows, topHolders } from './viewmodel';

export type Translate = (msg: string, ...args: (string | number)[]) => string;

export interface ICheckSection {
  title: string;
  lines: string[];
}

export interface ICheckInput {
  endpoint: IEndpoint;
  capacity: CapacityResult;
  snapshot: ISessionsSnapshot | null;
  clusterExecutors: number | null;
  /** True when the active notebook's kernel talks to this endpoint. */
  active: boolean;
  expectedSessions: number;
  workerType?: string;
}

export function checkSection(input: ICheckInput, __: Translate): ICheckSection {
  const { endpoint, capacity, snapshot, clusterExecutors } = input;
  const title = (endpoint.url ?? endpoint.id) + (input.active ? ' ' + __('(active notebook)') : '');
  if (endpoint.errors.length) {
    return { title, lines: endpoint.errors.map(e => e.message) };
  }
  const lines: string[] = [];
  if (capacity.kind === 'capacity') {
    const c = capacity.capacity;
    lines.push(
      __(
        'Capacity: %1 executors, %2 GiB executor memory, %3 cores; %4 GiB driver memory per session.',
        c.maxExecutors,
        formatNumber(c.totalExecutorMemoryGiB),
        c.totalExecutorCores,
        formatNumber(c.driverMemoryGiB)
      )
    );
  } else if (capacity.kind === 'missing') {
    lines.push(__('Capacity unknown: endpoint details not given (Settings Editor → Spark Capacity).'));
  } else {
    lines.push(...capacity.problems.map(p => p.message));
  }
  const s = endpoint.sessionSettings;
  const settings = [
    s.executorMemory && `executorMemory=${s.executorMemory}`,
    s.executorCores !== null && `executorCores=${s.executorCores}`,
    s.driverMemory && `driverMemory=${s.driverMemory}`,
    ...Object.entries(s.dynamicAllocation).map(([k, v]) => `${k}=${v}`)
  ].filter(Boolean);
  lines.push(__('Settings SparkMagic sends: %1', settings.length ? settings.join(', ') : __('none (cluster defaults)')));
  if (s.maxExecutorsUnset) {
    lines.push(__('maxExecutors is unset: one session can take the whole cluster.'));
  }
  if (!snapshot) {
    lines.push(__('Live usage: not loaded yet.'));
    return { title, lines };
  }
  if (snapshot.error) {
    lines.push(snapshot.error.message + (snapshot.stale ? ' ' + __('(figures below are stale)') : ''));
  }
  const held = heldExecutors(snapshot.sessions);
  const memory = snapshot.sessions.reduce((sum, x) => sum + (x.usage.memoryMiB ?? 0), 0);
  if (clusterExecutors) {
    const outlook = newSessionOutlook(clusterExecutors, held, s.maxExecutorsUnset ? null : Number(s.dynamicAllocation['spark.dynamicAllocation.maxExecutors']));
    lines.push(__('Live: %1 of %2 executors held, %3 free; %4 of executor memory held.', held, clusterExecutors, outlook.free, formatMemory(memory)));
    if (input.active) {
      lines.push(
        outlook.wouldWait
          ? __('A new session now would wait: no executor is free.')
          : __('A new session now could get %1 executors.', outlook.couldGet)
      );
    }
    const r = recommendCap(clusterExecutors, snapshot.sessions.length, input.expectedSessions);
    lines.push(__('Fair share: maxExecutors = %1 (%2 executors / %3 sessions).', r.cap, r.maxExecutors, r.sessions));
  } else {
    lines.push(__('Live: %1 executors held by %2 sessions; cluster size unknown.', held, snapshot.sessions.length));
  }
  const top = topHolders(sessionRows(snapshot.sessions, clusterExecutors), 3);
  if (top.length) {
    lines.push(__('Most held: %1', top.map(r => `${r.notebook ?? r.owner} (${livyLabel(r.session)}): ${r.executors}`).join('; ')));
  }
  if (input.workerType && input.expectedSessions > 0 && capacity.kind === 'capacity') {
    const perUser = Math.max(1, Math.floor(capacity.capacity.maxExecutors / input.expectedSessions));
    lines.push(
      __(
        'Sizing: %1 users × %2 executors each need %3 %4 workers.',
        input.expectedSessions,
        perUser,
        workersNeeded(input.workerType, input.expectedSessions, perUser),
        input.workerType
      )
    );
  }
  return { title, lines };
}
