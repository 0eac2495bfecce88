import { TranslationBundle } from '@jupyterlab/translation';
import { closeIcon, launchIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { formatMemory, IHolderRow, signature, sourceLabel } from '../viewmodel';
import { Age } from './Age';

export interface IRowActions {
  openNotebook(path: string): void;
  kill(endpoint: string, row: IHolderRow): void;
}

interface IListProps {
  endpoint: string;
  rows: IHolderRow[];
  /** Last-good rows while Livy does not answer: greyed, kill disabled. */
  old: boolean;
  actions: IRowActions;
  trans: TranslationBundle;
}

/** LabIcon parses its SVG on every render: these render once per row, not once per refresh. */
const LaunchIcon = React.memo(() => <launchIcon.react tag="span" />);
const KillIcon = React.memo(() => <closeIcon.react tag="span" />);

/** Heights the windowed list positions rows by (style/base.css uses the same). */
const ROW_H = 40;
const DETAIL_H = 112;
/** Past this many rows the list scrolls on its own and renders only what is in view. */
export const WINDOW_FROM = 40;
const WINDOW_H = 480;
const OVERSCAN = 6;

/** The holders of one endpoint: compact rows, one expanded at a time, windowed when long. */
export function HolderList(props: IListProps): JSX.Element {
  const { rows } = props;
  const [expanded, setExpanded] = React.useState<string | null>(null);
  const [scroll, setScroll] = React.useState(0);
  const toggle = React.useCallback(
    (key: string) => setExpanded(k => (k === key ? null : key)),
    []
  );
  const windowed = rows.length > WINDOW_FROM;
  const open = expanded === null ? -1 : rows.findIndex(r => r.key === expanded);
  const top = (i: number) => i * ROW_H + (open >= 0 && i > open ? DETAIL_H : 0);
  let first = 0;
  let last = rows.length;
  if (windowed) {
    const at = (y: number) =>
      open >= 0 && y > top(open + 1)
        ? Math.floor((y - DETAIL_H) / ROW_H)
        : Math.floor(y / ROW_H);
    first = Math.max(0, at(scroll) - OVERSCAN);
    last = Math.min(rows.length, at(scroll + WINDOW_H) + 1 + OVERSCAN);
  }
  const items = rows
    .slice(first, last)
    .map((row, n) => (
      <HolderRow
        key={row.key}
        row={row}
        top={windowed ? top(first + n) : null}
        expanded={row.key === expanded}
        old={props.old}
        endpoint={props.endpoint}
        toggle={toggle}
        actions={props.actions}
        trans={props.trans}
      />
    ));
  if (!windowed) {
    return (
      <div className="jp-LivyCapacity-rows" role="list" data-testid="sessions">
        {items}
      </div>
    );
  }
  return (
    <div
      className="jp-LivyCapacity-rows jp-mod-windowed"
      role="list"
      data-testid="sessions"
      style={{ height: Math.min(WINDOW_H, top(rows.length)) }}
      onScroll={e => setScroll((e.target as HTMLElement).scrollTop)}
    >
      <div style={{ height: top(rows.length), position: 'relative' }}>
        {items}
      </div>
    </div>
  );
}

interface IRowProps {
  row: IHolderRow;
  top: number | null;
  expanded: boolean;
  old: boolean;
  endpoint: string;
  toggle(key: string): void;
  actions: IRowActions;
  trans: TranslationBundle;
}

function HolderRowView(props: IRowProps): JSX.Element {
  const { row, trans } = props;
  const s = row.session;
  const __ = trans.__.bind(trans);
  const details = `livy-capacity-${row.key}`;
  const cls = ['jp-LivyCapacity-row'];
  if (props.old) {
    cls.push('jp-mod-old');
  }
  if (row.starving === 'holder') {
    cls.push('jp-mod-starving');
  }
  const sub = [row.owner, row.name === row.livy ? null : row.livy, s.state];
  return (
    <div
      className={cls.join(' ')}
      role="listitem"
      data-testid="session-row"
      data-livy-key={row.key}
      style={
        props.top === null
          ? undefined
          : { top: props.top, position: 'absolute' }
      }
    >
      <div className="jp-LivyCapacity-rowMain">
        <span
          className={`jp-LivyCapacity-chip jp-mod-c${row.colour ?? 'x'}`}
          aria-hidden="true"
        />
        <button
          className="jp-LivyCapacity-name"
          title={`${row.notebook ?? row.name} (${row.livy})`}
          aria-expanded={props.expanded}
          aria-controls={details}
          onClick={() => props.toggle(row.key)}
        >
          {row.name}
        </button>
        <span
          className="jp-LivyCapacity-held"
          data-testid="executors"
          title={__(
            'Executors held / cap, from %1',
            sourceLabel(s.usage.source, __)
          )}
        >
          {row.executors ?? '?'}
          {row.cap !== null ? `/${row.cap}` : ''}
        </span>
        {s.sparkUiUrl ? (
          <a
            className="jp-LivyCapacity-icon"
            href={s.sparkUiUrl}
            target="_blank"
            rel="noreferrer"
            title={__('Open the Spark UI of %1', row.name)}
            aria-label={__('Spark UI')}
          >
            <LaunchIcon />
          </a>
        ) : (
          <span className="jp-LivyCapacity-icon" />
        )}
        <button
          className="jp-LivyCapacity-icon jp-mod-kill"
          data-testid="kill"
          disabled={props.old}
          title={
            props.old
              ? __('Livy is not answering: kill is unavailable')
              : __('Kill %1', row.livy)
          }
          aria-label={__('Kill %1', row.livy)}
          onClick={() => props.actions.kill(props.endpoint, row)}
        >
          <KillIcon />
        </button>
      </div>
      <div className="jp-LivyCapacity-rowSub">
        {sub.filter(Boolean).join(' · ')} ·{' '}
        {row.waiting ? (
          <span className="jp-LivyCapacity-waitingText">
            {__('waiting for %1 executors', row.waiting)} ·{' '}
          </span>
        ) : null}
        <Age since={s.startedAt} />
      </div>
      {props.expanded && (
        <dl
          className="jp-LivyCapacity-facts jp-LivyCapacity-details"
          id={details}
          style={props.top === null ? undefined : { height: DETAIL_H - 8 }}
        >
          <dt>{__('Cores')}</dt>
          <dd>{s.usage.cores ?? '–'}</dd>
          <dt>{__('Memory')}</dt>
          <dd>{formatMemory(s.usage.memoryMiB)}</dd>
          <dt>{__('Source')}</dt>
          <dd>
            {sourceLabel(s.usage.source, __)}
            {s.usage.error ? `: ${s.usage.error}` : ''}
          </dd>
          <dt>{__('Livy')}</dt>
          <dd>
            {row.livy}
            {s.kind ? ` (${s.kind})` : ''}
          </dd>
          {s.appId && (
            <>
              <dt>{__('App')}</dt>
              <dd>{s.appId}</dd>
            </>
          )}
          {row.notebook && (
            <>
              <dt>{__('Notebook')}</dt>
              <dd>
                <a
                  href="#"
                  onClick={e => {
                    e.preventDefault();
                    props.actions.openNotebook(row.notebook as string);
                  }}
                >
                  {__('Open %1', row.notebook)}
                </a>
              </dd>
            </>
          )}
          {s.driverLogUrl && (
            <>
              <dt>{__('Log')}</dt>
              <dd>
                <a href={s.driverLogUrl} target="_blank" rel="noreferrer">
                  {__('Driver log')}
                </a>
              </dd>
            </>
          )}
        </dl>
      )}
    </div>
  );
}

/** A row re-renders only when what it shows changes (its signature), not on every refresh. */
const HolderRow = React.memo(
  HolderRowView,
  (a, b) =>
    signature(a.row) === signature(b.row) &&
    a.top === b.top &&
    a.expanded === b.expanded &&
    a.old === b.old &&
    a.endpoint === b.endpoint
);
