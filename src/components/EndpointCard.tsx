import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { CapacityResult, ICapacity } from '../capacity';
import { configureSnippet, idleHolders, IRecommendation } from '../fairshare';
import { IEndpoint, ISessionsSnapshot } from '../types';
import {
  age,
  barSegments,
  formatDuration,
  formatMemory,
  formatNumber,
  ISessionRow,
  sessionRows,
  livyLabel,
  SOURCE_LABELS
} from '../viewmodel';

/** "session-3" -> "Livy session 3". */
function keyLabel(key: string): string {
  const [type, id] = key.split('-');
  return livyLabel({ type, id: Number(id) });
}

export interface IEndpointActions {
  openSettings(): void;
  openNotebook(path: string): void;
  kill(endpoint: string, row: ISessionRow): void;
  copySnippet(text: string): void;
  insertSnippet(text: string): void;
  applyCap(recommendation: IRecommendation): void;
}

export interface IEndpointCardProps {
  endpoint: IEndpoint;
  capacity: CapacityResult;
  snapshot: ISessionsSnapshot | null;
  sessionsError: string | null;
  clusterExecutors: number | null;
  recommendation: IRecommendation | null;
  idleThresholdMinutes: number;
  now: Date;
  actions: IEndpointActions;
  trans: TranslationBundle;
}

/** One endpoint of the SparkMagic config: its settings, capacity, and live sessions. */
export function EndpointCard(props: IEndpointCardProps): JSX.Element {
  const { endpoint, trans } = props;
  if (endpoint.errors.length) {
    return (
      <section className="jp-LivyCapacity-card jp-mod-invalid" data-testid="endpoint-card" data-endpoint={endpoint.id}>
        <h3 className="jp-LivyCapacity-cardTitle">{endpoint.url ?? endpoint.id}</h3>
        <Problems problems={endpoint.errors} kind="error" />
        <p className="jp-LivyCapacity-hint">{trans.__('Fix this entry in the SparkMagic config; the other endpoints keep working.')}</p>
      </section>
    );
  }
  return (
    <section className="jp-LivyCapacity-card" data-testid="endpoint-card" data-endpoint={endpoint.url ?? ''}>
      <h3 className="jp-LivyCapacity-cardTitle" title={endpoint.url ?? ''}>{endpoint.url}</h3>
      <dl className="jp-LivyCapacity-facts">
        <dt>{trans.__('Auth')}</dt>
        <dd>{endpoint.auth}{endpoint.username ? ` (${endpoint.username})` : ''}</dd>
        <dt>{trans.__('Kernels')}</dt>
        <dd>{endpoint.kernels.join(', ')}</dd>
        {endpoint.customHeaderNames.length > 0 && (
          <>
            <dt>{trans.__('Custom headers')}</dt>
            <dd>{endpoint.customHeaderNames.join(', ')}</dd>
          </>
        )}
      </dl>
      <Problems problems={endpoint.warnings} kind="warning" />
      <CapacitySection {...props} />
      <SessionSettings {...props} />
      <LiveSection {...props} />
    </section>
  );
}

function Problems(props: { problems: { field: string; message: string }[]; kind: 'error' | 'warning' }): JSX.Element | null {
  if (!props.problems.length) {
    return null;
  }
  return (
    <ul className={`jp-LivyCapacity-problems jp-mod-${props.kind}`} data-testid={`${props.kind}s`}>
      {props.problems.map(p => (
        <li key={p.field + p.message}>{p.message}</li>
      ))}
    </ul>
  );
}

function CapacitySection(props: IEndpointCardProps): JSX.Element {
  const { capacity, trans, snapshot } = props;
  if (capacity.kind === 'missing') {
    const live = snapshot?.cluster;
    return (
      <div className="jp-LivyCapacity-capacity jp-mod-missing" data-testid="capacity-missing">
        <p>
          {trans.__('Endpoint details not given yet: tell the panel what cluster is behind this endpoint.')}
          {live && !live.error && live.maxExecutors
            ? ' ' + trans.__('Live from the %1: %2 executors.', SOURCE_LABELS[live.source], live.maxExecutors)
            : ''}
        </p>
        <button className="jp-mod-styled jp-mod-accept" onClick={props.actions.openSettings} data-testid="open-settings">
          {trans.__('Enter endpoint details')}
        </button>
      </div>
    );
  }
  if (capacity.kind === 'invalid') {
    return (
      <div className="jp-LivyCapacity-capacity jp-mod-invalid" data-testid="capacity-invalid">
        <Problems problems={capacity.problems} kind="error" />
        <button className="jp-mod-styled" onClick={props.actions.openSettings}>
          {trans.__('Fix endpoint details')}
        </button>
      </div>
    );
  }
  return <CapacityFigures capacity={capacity.capacity} trans={trans} />;
}

export function CapacityFigures(props: { capacity: ICapacity; trans: TranslationBundle }): JSX.Element {
  const { capacity: c, trans } = props;
  return (
    <dl className="jp-LivyCapacity-facts jp-LivyCapacity-capacity" data-testid="capacity">
      <dt>{trans.__('Executors')}</dt>
      <dd data-testid="capacity-executors">{c.maxExecutors}</dd>
      <dt>{trans.__('Executor memory')}</dt>
      <dd data-testid="capacity-memory">
        {trans.__('%1 GiB total (%2 GiB each)', formatNumber(c.totalExecutorMemoryGiB), formatNumber(c.executorMemoryGiB))}
      </dd>
      <dt>{trans.__('Executor cores')}</dt>
      <dd>{trans.__('%1 total (%2 each)', c.totalExecutorCores, c.executorCores)}</dd>
      <dt>{trans.__('Driver memory')}</dt>
      <dd>{trans.__('%1 GiB per session', formatNumber(c.driverMemoryGiB))}</dd>
    </dl>
  );
}

function SessionSettings(props: IEndpointCardProps): JSX.Element {
  const { endpoint, trans } = props;
  const s = endpoint.sessionSettings;
  const fields: [string, unknown][] = [
    ['driverMemory', s.driverMemory],
    ['executorMemory', s.executorMemory],
    ['executorCores', s.executorCores],
    ['numExecutors', s.numExecutors],
    ...Object.entries(s.dynamicAllocation)
  ];
  const set = fields.filter(([, v]) => v !== null && v !== undefined);
  return (
    <details className="jp-LivyCapacity-settings" open={s.maxExecutorsUnset}>
      <summary>{trans.__('Session settings SparkMagic sends')}</summary>
      {s.maxExecutorsUnset && (
        <p className="jp-LivyCapacity-warning" data-testid="max-executors-unset">
          {trans.__('spark.dynamicAllocation.maxExecutors is unset: one session can take the whole cluster.')}
        </p>
      )}
      {set.length ? (
        <dl className="jp-LivyCapacity-facts">
          {set.map(([k, v]) => (
            <React.Fragment key={k}>
              <dt>{k}</dt>
              <dd>{String(v)}</dd>
            </React.Fragment>
          ))}
        </dl>
      ) : (
        <p className="jp-LivyCapacity-hint">{trans.__('None set: the cluster defaults apply.')}</p>
      )}
    </details>
  );
}

function LiveSection(props: IEndpointCardProps): JSX.Element {
  const { snapshot, trans, now, clusterExecutors } = props;
  if (props.sessionsError) {
    return <p className="jp-LivyCapacity-error" data-testid="sessions-error">{props.sessionsError}</p>;
  }
  if (!snapshot) {
    return <p className="jp-LivyCapacity-hint">{trans.__('Loading live sessions…')}</p>;
  }
  const rows = sessionRows(snapshot.sessions, clusterExecutors);
  const segments = barSegments(rows, clusterExecutors);
  const idle = idleHolders(
    snapshot.sessions.map(s => ({ key: s.key, state: s.state, idleSince: s.idleSince, executors: s.usage.executors })),
    now,
    props.idleThresholdMinutes
  );
  const starving = new Set([snapshot.starvation?.holder, ...(snapshot.starvation?.waiting ?? [])]);
  return (
    <div className="jp-LivyCapacity-live">
      {snapshot.error && (
        <p className="jp-LivyCapacity-error" data-testid="livy-error">
          {snapshot.stale
            ? trans.__('%1 Showing data from %2 (stale).', snapshot.error.message, new Date(snapshot.lastSuccessAt ?? '').toLocaleTimeString())
            : snapshot.error.message}
        </p>
      )}
      {snapshot.starvation && (
        <p className="jp-LivyCapacity-warning" data-testid="starvation">
          {trans.__(
            '%1 holds %2 of %3 executors while %4 waits.',
            keyLabel(snapshot.starvation.holder),
            snapshot.starvation.held,
            snapshot.starvation.clusterExecutors,
            snapshot.starvation.waiting.map(keyLabel).join(', ')
          )}
        </p>
      )}
      {segments.length > 0 && (
        <div className="jp-LivyCapacity-bar" data-testid="capacity-bar" role="img" aria-label={segments.map(s => s.label).join('; ')}>
          {segments.map(s => (
            <span
              key={s.key}
              className={`jp-LivyCapacity-segment ${s.key === 'free' ? 'jp-mod-free' : s.ours ? 'jp-mod-ours' : 'jp-mod-other'}`}
              style={{ flexGrow: s.fraction }}
              title={s.label}
            />
          ))}
        </div>
      )}
      <h4 className="jp-LivyCapacity-subtitle">
        {trans._n('%1 live session', '%1 live sessions', rows.length)}
        {snapshot.livyVersion ? ` · Livy ${snapshot.livyVersion}` : ''}
      </h4>
      {rows.length > 0 && (
        <table className="jp-LivyCapacity-sessions" data-testid="sessions">
          <thead>
            <tr>
              <th>{trans.__('Notebook / owner')}</th>
              <th>{trans.__('Livy')}</th>
              <th>{trans.__('State')}</th>
              <th title={trans.__('Executors held (cap)')}>{trans.__('Exec.')}</th>
              <th>{trans.__('Cores')}</th>
              <th>{trans.__('Memory')}</th>
              <th>{trans.__('Age')}</th>
              <th>{trans.__('Share')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map(row => (
              <SessionRow key={row.session.key} row={row} {...props} starving={starving.has(row.session.key)} />
            ))}
          </tbody>
        </table>
      )}
      {idle.length > 0 && (
        <ul className="jp-LivyCapacity-idle" data-testid="idle-holders">
          {idle.map(h => {
            const row = rows.find(r => r.session.key === h.key);
            return (
              <li key={h.key}>
                {trans.__('%1 idle for %2 and holds %3 executors.', keyLabel(h.key), formatDuration(h.idleMinutes * 60000), h.executors)}{' '}
                {row?.notebook ? (
                  <button className="jp-mod-styled jp-mod-warn" onClick={() => props.actions.kill(snapshot.endpoint, row)}>
                    {trans.__('Reclaim')}
                  </button>
                ) : (
                  trans.__('Contact %1.', row?.owner ?? trans.__('its owner'))
                )}
              </li>
            );
          })}
        </ul>
      )}
      {props.recommendation && <Recommendation {...props} recommendation={props.recommendation} />}
      <p className="jp-LivyCapacity-hint">{trans.__('Updated %1', age(snapshot.fetchedAt, now))}</p>
    </div>
  );
}

function SessionRow(props: IEndpointCardProps & { row: ISessionRow; starving: boolean }): JSX.Element {
  const { row, trans, now, snapshot } = props;
  const s = row.session;
  const cap = s.caps.maxExecutors ?? s.caps.numExecutors;
  return (
    <tr className={`${row.notebook ? 'jp-mod-ours' : 'jp-mod-other'}${props.starving ? ' jp-mod-starving' : ''}`} data-testid="session-row" data-livy-key={s.key}>
      <td>
        {row.notebook ? (
          <a href="#" onClick={e => { e.preventDefault(); props.actions.openNotebook(row.notebook as string); }} title={row.notebook}>
            {row.notebook}
          </a>
        ) : (
          <span title={trans.__('Not a kernel of this Jupyter server')}>{row.owner}</span>
        )}
      </td>
      <td title={livyLabel(s)}>{s.type === 'batch' ? `b${s.id}` : s.id}</td>
      <td>{s.state}</td>
      <td title={[SOURCE_LABELS[s.usage.source], s.usage.error].filter(Boolean).join(': ')} data-testid="executors">
        {s.usage.executors ?? '?'}
        {cap !== null ? ` (≤${cap})` : ''}
      </td>
      <td>{s.usage.cores ?? '–'}</td>
      <td>{formatMemory(s.usage.memoryMiB)}</td>
      <td>{age(s.startedAt, now)}</td>
      <td>{row.share === null ? '–' : `${Math.round(row.share * 100)}%`}</td>
      <td className="jp-LivyCapacity-actions">
        {s.sparkUiUrl && <a href={s.sparkUiUrl} target="_blank" rel="noreferrer">{trans.__('Spark UI')}</a>}{' '}
        {s.driverLogUrl && <a href={s.driverLogUrl} target="_blank" rel="noreferrer">{trans.__('Log')}</a>}{' '}
        <button className="jp-mod-styled jp-mod-warn jp-LivyCapacity-kill" data-testid="kill" title={trans.__('Kill %1', livyLabel(s))}
          onClick={() => snapshot && props.actions.kill(snapshot.endpoint, row)}>
          {trans.__('Kill')}
        </button>
      </td>
    </tr>
  );
}

function Recommendation(props: IEndpointCardProps & { recommendation: IRecommendation }): JSX.Element {
  const { recommendation: r, trans } = props;
  const snippet = configureSnippet(r.cap);
  return (
    <details className="jp-LivyCapacity-recommendation" data-testid="recommendation">
      <summary>{trans.__('Recommended cap: maxExecutors = %1', r.cap)}</summary>
      <p>
        {trans.__(
          '%1 executors shared by %2 concurrent sessions (%3) gives each at most %4.',
          r.maxExecutors,
          r.sessions,
          r.sessionsSource === 'live' ? trans.__('the live count') : trans.__('from settings'),
          r.cap
        )}
      </p>
      <pre className="jp-LivyCapacity-snippet" data-testid="snippet">{snippet}</pre>
      <button className="jp-mod-styled" data-testid="copy-snippet" onClick={() => props.actions.copySnippet(snippet)}>{trans.__('Copy')}</button>{' '}
      <button className="jp-mod-styled" onClick={() => props.actions.insertSnippet(snippet)}>{trans.__('Insert into notebook')}</button>{' '}
      <button className="jp-mod-styled jp-mod-accept" data-testid="apply-cap" onClick={() => props.actions.applyCap(r)}>
        {trans.__('Apply to SparkMagic config…')}
      </button>
    </details>
  );
}
