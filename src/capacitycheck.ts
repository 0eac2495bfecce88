/**
 * The text of the "Check Spark capacity" answer, per endpoint, from the same view model the panel
 * renders. Pure: translation comes in as a function so this tests without JupyterLab.
 */
import { workersNeeded } from './capacity';
import {
  fairShareCap,
  MAX_EXECUTORS_KEY,
  newSessionOutlook,
  recommendCap
} from './fairshare';
import {
  formatMemory,
  formatNumber,
  IEndpointView,
  topHolders,
  Translate
} from './viewmodel';

export interface ICheckSection {
  title: string;
  lines: string[];
}

export interface ICheckInput {
  view: IEndpointView;
  /** True when the active notebook's kernel talks to this endpoint. */
  active: boolean;
  expectedSessions: number;
  workerType?: string;
}

export function checkSection(input: ICheckInput, __: Translate): ICheckSection {
  const { view } = input;
  const { endpoint, capacity, snapshot } = view;
  const executors = view.clusterExecutors;
  const title =
    (endpoint.url ?? endpoint.id) +
    (input.active ? ' ' + __('(active notebook)') : '');
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
    lines.push(
      __(
        'Capacity unknown: endpoint details not given (Settings Editor → Spark Capacity).'
      )
    );
  } else {
    lines.push(...capacity.problems.map(p => p.message));
  }
  const settings = view.settings.map(([k, v]) => `${k}=${v}`);
  lines.push(
    __(
      'Settings SparkMagic sends: %1',
      settings.length ? settings.join(', ') : __('none (cluster defaults)')
    )
  );
  const s = endpoint.sessionSettings;
  if (s.maxExecutorsUnset) {
    lines.push(
      __('maxExecutors is unset: one session can take the whole cluster.')
    );
  }
  if (!snapshot) {
    lines.push(view.problem ?? __('Live usage: not loaded yet.'));
    return { title, lines };
  }
  if (view.problem) {
    lines.push(
      __('Live usage is missing: %1', view.problem) +
        (view.old ? ' ' + __('(the sessions below are old)') : '')
    );
  } else if (executors) {
    const memory = snapshot.sessions.reduce(
      (sum, x) => sum + (x.usage.memoryMiB ?? 0),
      0
    );
    const cap = Number(s.dynamicAllocation[MAX_EXECUTORS_KEY]);
    const outlook = newSessionOutlook(
      executors,
      view.held,
      s.maxExecutorsUnset || !Number.isFinite(cap) ? null : cap
    );
    lines.push(
      __(
        'Live: %1 of %2 executors held, %3 free; %4 of executor memory held.',
        view.held,
        executors,
        outlook.free,
        formatMemory(memory)
      )
    );
    if (input.active) {
      lines.push(
        outlook.wouldWait
          ? __('A new session now would wait: no executor is free.')
          : __('A new session now could get %1 executors.', outlook.couldGet)
      );
    }
    const r = recommendCap(
      executors,
      snapshot.sessions.length,
      input.expectedSessions
    );
    lines.push(
      __(
        'Fair share: maxExecutors = %1 (%2 executors / %3 sessions).',
        r.cap,
        r.maxExecutors,
        r.sessions
      )
    );
  } else {
    lines.push(
      __(
        'Live: %1 executors held by %2 sessions; cluster size unknown.',
        view.held,
        snapshot.sessions.length
      )
    );
  }
  const top = view.problem ? [] : topHolders(view.rows, 3);
  if (top.length) {
    lines.push(
      __(
        'Most held: %1',
        top.map(r => `${r.name} (${r.livy}): ${r.executors}`).join('; ')
      )
    );
  }
  if (
    input.workerType &&
    input.expectedSessions > 0 &&
    capacity.kind === 'capacity'
  ) {
    const perUser = fairShareCap(
      capacity.capacity.maxExecutors,
      input.expectedSessions
    );
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
