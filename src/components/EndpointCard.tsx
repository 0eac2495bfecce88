import { TranslationBundle } from '@jupyterlab/translation';
import {
  caretDownIcon,
  caretRightIcon,
  settingsIcon
} from '@jupyterlab/ui-components';
import * as React from 'react';

import { configureSnippet, IRecommendation } from '../fairshare';
import { formatNumber, IEndpointView } from '../viewmodel';
import { Age } from './Age';
import { HistorySection } from './HistoryChart';
import { HolderList, IRowActions } from './HolderList';

export interface IEndpointActions extends IRowActions {
  openSettings(url: string): void;
  copySnippet(text: string): void;
  insertSnippet(text: string): void;
  applyCap(recommendation: IRecommendation): void;
}

export interface IEndpointCardProps {
  view: IEndpointView;
  actions: IEndpointActions;
  trans: TranslationBundle;
}

/** One endpoint of the SparkMagic config: who holds what, then the settings behind it. */
export function EndpointCard(props: IEndpointCardProps): JSX.Element {
  const { view, trans } = props;
  const { endpoint } = view;
  const __ = trans.__.bind(trans);
  const url = endpoint.url ?? '';
  if (view.status === 'invalid') {
    return (
      <section
        className="jp-LivyCapacity-card jp-mod-invalid"
        data-testid="endpoint-card"
        data-endpoint={endpoint.id}
      >
        <h3 className="jp-LivyCapacity-cardTitle" title={endpoint.id}>
          {endpoint.url ?? endpoint.id}
        </h3>
        <Problems messages={endpoint.errors.map(e => e.message)} kind="error" />
        <p className="jp-LivyCapacity-hint">
          {__(
            'Fix this entry in the SparkMagic config; the other endpoints keep working.'
          )}
        </p>
      </section>
    );
  }
  const snapshot = view.snapshot;
  return (
    <section
      className={`jp-LivyCapacity-card jp-mod-${view.status}`}
      data-testid="endpoint-card"
      data-endpoint={url}
      data-status={view.status}
    >
      <div className="jp-LivyCapacity-cardHead">
        <h3 className="jp-LivyCapacity-cardTitle" title={url}>
          {url}
        </h3>
        <button
          className="jp-LivyCapacity-icon"
          title={__('Endpoint details of %1 (Settings Editor)', url)}
          aria-label={__('Endpoint details')}
          onClick={() => props.actions.openSettings(url)}
        >
          <settingsIcon.react tag="span" />
        </button>
      </div>
      <p
        className="jp-LivyCapacity-line jp-LivyCapacity-hint"
        title={endpoint.kernels.join(', ')}
      >
        {[
          snapshot?.livyVersion ? `Livy ${snapshot.livyVersion}` : null,
          endpoint.auth + (endpoint.username ? ` (${endpoint.username})` : ''),
          endpoint.kernels.join(', ')
        ]
          .filter(Boolean)
          .join(' · ')}
      </p>
      <Summary {...props} />
      <Problems messages={view.warnings} kind="warning" />
      {view.starvation && (
        <p
          className="jp-LivyCapacity-warning"
          data-testid="starvation"
          role="alert"
        >
          {view.starvation}
        </p>
      )}
      {view.rows.length > 0 && (
        <HolderList
          endpoint={url}
          rows={view.rows}
          old={view.old}
          actions={props.actions}
          trans={trans}
        />
      )}
      {view.idle.length > 0 && (
        <ul className="jp-LivyCapacity-idle" data-testid="idle-holders">
          {view.idle.map(h => (
            <li key={h.key}>
              {__(
                '%1 idle for %2 min and holds %3 executors.',
                h.name,
                Math.floor(h.idleMinutes),
                h.executors
              )}{' '}
              {h.row?.notebook ? (
                <button
                  className="jp-mod-styled jp-mod-warn jp-LivyCapacity-small"
                  onClick={() => h.row && props.actions.kill(url, h.row)}
                >
                  {__('Reclaim')}
                </button>
              ) : (
                __('Contact %1.', h.row?.owner ?? __('its owner'))
              )}
            </li>
          ))}
        </ul>
      )}
      <HistorySection endpoint={url} trans={trans} />
      <Settings {...props} />
      {snapshot && !view.problem && (
        <p className="jp-LivyCapacity-hint jp-LivyCapacity-line">
          {__('Updated')} <Age since={snapshot.fetchedAt} /> {__('ago')}
        </p>
      )}
    </section>
  );
}

/** The answer first: the bar and its legend, or why figures are missing. */
function Summary(props: IEndpointCardProps): JSX.Element {
  const { view, trans } = props;
  const __ = trans.__.bind(trans);
  const status = view.status;
  const capacityLine = (() => {
    const c = view.capacity;
    if (c.kind === 'invalid') {
      return (
        <div
          className="jp-LivyCapacity-capacity"
          data-testid="capacity-invalid"
        >
          <Problems messages={c.problems.map(p => p.message)} kind="error" />
          <button
            className="jp-mod-styled jp-LivyCapacity-small"
            onClick={() => props.actions.openSettings(view.endpoint.url ?? '')}
          >
            {__('Fix endpoint details')}
          </button>
        </div>
      );
    }
    if (c.kind === 'missing') {
      return (
        <div
          className="jp-LivyCapacity-capacity"
          data-testid="capacity-missing"
        >
          <p className="jp-LivyCapacity-hint">
            {view.clusterExecutors
              ? __(
                  'Cluster size %1 executors, read live.',
                  view.clusterExecutors
                )
              : __(
                  'Cluster size unknown: say what cluster is behind this endpoint.'
                )}
          </p>
          <button
            className="jp-mod-styled jp-mod-accept jp-LivyCapacity-small"
            data-testid="open-settings"
            onClick={() => props.actions.openSettings(view.endpoint.url ?? '')}
          >
            {__('Enter endpoint details')}
          </button>
        </div>
      );
    }
    const k = c.capacity;
    return (
      <p
        className="jp-LivyCapacity-hint jp-LivyCapacity-line"
        data-testid="capacity"
        title={__(
          '%1 executors of %2 GiB and %3 cores; %4 GiB driver memory per session',
          k.maxExecutors,
          formatNumber(k.executorMemoryGiB),
          k.executorCores,
          formatNumber(k.driverMemoryGiB)
        )}
      >
        {__('Capacity')}{' '}
        <b data-testid="capacity-executors">{k.maxExecutors}</b>{' '}
        {__('executors')} ·{' '}
        <span data-testid="capacity-memory">
          {__('%1 GiB total', formatNumber(k.totalExecutorMemoryGiB))}
        </span>{' '}
        · {__('%1 cores', k.totalExecutorCores)}
      </p>
    );
  })();
  if (status === 'loading') {
    return (
      <>
        <p className="jp-LivyCapacity-hint" data-testid="sessions-loading">
          {__('Asking Livy for its sessions…')}
        </p>
        {capacityLine}
      </>
    );
  }
  if (view.problem) {
    const title =
      status === 'auth'
        ? __('Livy needs other credentials: live figures are missing.')
        : status === 'server-error'
          ? __(
              'The Jupyter server could not ask Livy: live figures are missing.'
            )
          : __('Livy is not answering: live figures are missing.');
    return (
      <>
        <div
          className="jp-LivyCapacity-message"
          data-testid={
            status === 'server-error' ? 'sessions-error' : 'livy-error'
          }
          role="alert"
        >
          <p>
            <b>{title}</b>
          </p>
          <p>{view.problem}</p>
          {view.old && (
            <p>
              {__('Greyed below: the sessions as Livy last listed them,')}{' '}
              <Age since={view.dataAt} /> {__('ago.')}
            </p>
          )}
        </div>
        {capacityLine}
      </>
    );
  }
  const total = view.clusterExecutors;
  return (
    <>
      {status === 'stale' && (
        <p className="jp-LivyCapacity-warning" data-testid="stale">
          {__('Stale: these figures are from')} <Age since={view.dataAt} />{' '}
          {__('ago.')}
        </p>
      )}
      <p data-testid="held">
        {status === 'empty'
          ? __('No live sessions: every executor is free.')
          : total
            ? __(
                '%1 of %2 executors held, %3 free',
                view.held,
                total,
                view.free ?? 0
              )
            : __('%1 executors held; cluster size unknown', view.held)}
        {view.waiting > 0 && (
          <span className="jp-LivyCapacity-waitingText">
            {' · '}
            {__('waiting for %1 more', view.waiting)}
          </span>
        )}
      </p>
      {view.segments.length > 0 && (
        <>
          <div
            className="jp-LivyCapacity-bar"
            data-testid="capacity-bar"
            role="img"
            aria-label={view.segments.map(s => s.title).join('; ')}
          >
            {view.segments.map(s => (
              <span
                key={s.key}
                className={`jp-LivyCapacity-segment jp-mod-${s.kind} jp-mod-c${s.colour ?? 'x'}`}
                style={{ flexGrow: s.fraction }}
                title={s.title}
              />
            ))}
          </div>
          <p className="jp-LivyCapacity-legend" aria-hidden="true">
            {view.held > 0 && (
              <span>
                <span className="jp-LivyCapacity-chip jp-mod-c0" />{' '}
                {__('held (colour of its row)')}
              </span>
            )}
            <span>
              <span className="jp-LivyCapacity-chip jp-mod-free" /> {__('free')}
            </span>
            {view.waiting > 0 && (
              <span>
                <span className="jp-LivyCapacity-chip jp-mod-waiting" />{' '}
                {__('waiting')}
              </span>
            )}
          </p>
        </>
      )}
      {capacityLine}
      {view.sources.length > 0 && (
        <p
          className="jp-LivyCapacity-hint jp-LivyCapacity-line"
          data-testid="sources"
          title={view.sources.join('\n')}
        >
          {__('From: %1', view.sources.join(' · '))}
        </p>
      )}
      {view.discoveryProblem && (
        <p className="jp-LivyCapacity-hint" data-testid="discovery-problem">
          {view.discoveryProblem}
        </p>
      )}
    </>
  );
}

/** SparkMagic's session settings: one line, details on demand. */
function Settings(props: IEndpointCardProps): JSX.Element {
  const { view, trans } = props;
  const __ = trans.__.bind(trans);
  const [open, setOpen] = React.useState(false);
  const r = view.recommendation;
  const Caret = (open ? caretDownIcon : caretRightIcon).react;
  return (
    <div className="jp-LivyCapacity-settings">
      <button
        className="jp-LivyCapacity-toggle"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
        data-testid="settings-toggle"
      >
        <Caret tag="span" />
        {view.maxExecutorsUnset ? (
          <span
            className="jp-LivyCapacity-warning"
            data-testid="max-executors-unset"
          >
            {__('No maxExecutors: one session can take all')}
          </span>
        ) : (
          <span>{__('Session settings SparkMagic sends')}</span>
        )}
      </button>
      {open && (
        <div className="jp-LivyCapacity-settingsBody">
          {view.settings.length ? (
            <dl className="jp-LivyCapacity-facts">
              {view.settings.map(([k, v]) => (
                <React.Fragment key={k}>
                  <dt title={k}>
                    {k.replace('spark.dynamicAllocation.', '…')}
                  </dt>
                  <dd>{v}</dd>
                </React.Fragment>
              ))}
            </dl>
          ) : (
            <p className="jp-LivyCapacity-hint">
              {__('None set: the cluster defaults apply.')}
            </p>
          )}
        </div>
      )}
      {r && <Recommendation {...props} recommendation={r} />}
    </div>
  );
}

function Recommendation(
  props: IEndpointCardProps & { recommendation: IRecommendation }
): JSX.Element {
  const { recommendation: r, trans } = props;
  const __ = trans.__.bind(trans);
  const snippet = configureSnippet(r.cap);
  return (
    <details
      className="jp-LivyCapacity-recommendation"
      data-testid="recommendation"
    >
      <summary>{__('Recommended cap: maxExecutors = %1', r.cap)}</summary>
      <p>
        {__(
          '%1 executors shared by %2 concurrent sessions (%3) gives each at most %4.',
          r.maxExecutors,
          r.sessions,
          r.sessionsSource === 'live'
            ? __('the live count')
            : __('from settings'),
          r.cap
        )}
      </p>
      <pre className="jp-LivyCapacity-snippet" data-testid="snippet">
        {snippet}
      </pre>
      <div className="jp-LivyCapacity-buttons">
        <button
          className="jp-mod-styled jp-LivyCapacity-small"
          data-testid="copy-snippet"
          onClick={() => props.actions.copySnippet(snippet)}
        >
          {__('Copy')}
        </button>
        <button
          className="jp-mod-styled jp-LivyCapacity-small"
          onClick={() => props.actions.insertSnippet(snippet)}
        >
          {__('Insert into notebook')}
        </button>
        <button
          className="jp-mod-styled jp-mod-accept jp-LivyCapacity-small"
          data-testid="apply-cap"
          onClick={() => props.actions.applyCap(r)}
        >
          {__('Apply to config…')}
        </button>
      </div>
    </details>
  );
}

function Problems(props: {
  messages: string[];
  kind: 'error' | 'warning';
}): JSX.Element | null {
  if (!props.messages.length) {
    return null;
  }
  return (
    <ul
      className={`jp-LivyCapacity-problems jp-mod-${props.kind}`}
      data-testid={`${props.kind}s`}
    >
      {props.messages.map(m => (
        <li key={m}>{m}</li>
      ))}
    </ul>
  );
}
