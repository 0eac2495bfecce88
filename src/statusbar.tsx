import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import { ISignal, Signal } from '@lumino/signaling';
import * as React from 'react';

import { INotebookSession, statusText } from './notebookspark';

/**
 * The status-bar item of the active notebook's Livy session: "Spark 6/9", warning-coloured while
 * it starves others or waits. It renders what `current()` says whenever one of `triggers` fires
 * (the model's poll, the active widget changing): no poll of its own.
 */
export class SparkStatusItem extends ReactWidget {
  constructor(
    private _current: () => INotebookSession | null,
    triggers: ISignal<unknown, unknown>[],
    private _open: () => void,
    private _trans: TranslationBundle
  ) {
    super();
    this.addClass('jp-LivyCapacity-statusItem');
    for (const trigger of triggers) {
      trigger.connect(this._emit, this);
    }
  }

  /** For the status bar's isActive: the item shows only for a notebook with a Livy session. */
  get stateChanged(): ISignal<this, void> {
    return this._stateChanged;
  }

  get active(): boolean {
    return this._current() !== null;
  }

  dispose(): void {
    Signal.clearData(this);
    super.dispose();
  }

  private _emit(): void {
    this._stateChanged.emit();
  }

  render(): JSX.Element {
    return (
      <UseSignal signal={this._stateChanged}>
        {() => {
          const session = this._current();
          return session ? this._item(session) : <></>;
        }}
      </UseSignal>
    );
  }

  private _item(session: INotebookSession): JSX.Element {
    const trans = this._trans;
    const held = session.row.executors ?? '?';
    const title = [
      session.clusterExecutors === null
        ? trans.__(
            'The Livy session of %1 holds %2 executors on %3.',
            session.row.notebook,
            held,
            session.endpoint
          )
        : trans.__(
            'The Livy session of %1 holds %2 of the %3 executors of %4.',
            session.row.notebook,
            held,
            session.clusterExecutors,
            session.endpoint
          ),
      session.warn === 'holder'
        ? trans.__('It starves other sessions, which wait for executors.')
        : session.warn === 'waiting'
          ? trans.__('It waits for executors.')
          : '',
      trans.__('Click to open the Spark Capacity panel.')
    ]
      .filter(Boolean)
      .join(' ');
    return (
      <span
        className={`jp-LivyCapacity-status${session.warn ? ' jp-mod-warn' : ''}`}
        data-testid="spark-status"
        data-warn={session.warn ?? ''}
        role="button"
        tabIndex={0}
        title={title}
        onClick={this._open}
        onKeyDown={event => {
          if (event.key === 'Enter' || event.key === ' ') {
            this._open();
          }
        }}
      >
        {statusText(session)}
      </span>
    );
  }

  private _stateChanged = new Signal<this, void>(this);
}
