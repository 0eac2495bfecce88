import { TranslationBundle } from '@jupyterlab/translation';
import {
  ReactWidget,
  refreshIcon,
  ToolbarButtonComponent,
  UseSignal
} from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import { CapacityView } from './components/CapacityView';
import { HistoryContext } from './components/HistoryChart';
import { IEndpointActions } from './components/EndpointCard';
import { HistoryStore } from './historystore';
import { sparkCapacityIcon } from './icons';
import { CapacityModel } from './model';
import { IPanelView, panelView, Translate } from './viewmodel';

/** The view model of everything the model holds now. */
export function modelView(
  model: CapacityModel,
  trans: TranslationBundle
): IPanelView {
  const settings = model.settings;
  return panelView(
    {
      document: model.document,
      serverError: model.serverError,
      details: url => model.details(url),
      snapshot: url => model.snapshot(url),
      sessionsError: url => model.sessionsError(url),
      expectedSessions: settings.expectedConcurrentSessions,
      idleThresholdMinutes: settings.idleThresholdMinutes,
      refreshIntervalSeconds: settings.refreshInterval,
      now: new Date()
    },
    translate(trans)
  );
}

const translators = new WeakMap<TranslationBundle, Translate>();

/** One stable Translate per bundle, so the view model's label cache holds across refreshes. */
export function translate(trans: TranslationBundle): Translate {
  let __ = translators.get(trans);
  if (!__) {
    __ = (msg, ...args) => trans.__(msg, ...args);
    translators.set(trans, __);
  }
  return __;
}

/** The "Spark Capacity" sidebar: re-renders on every model change. */
export class CapacityPanel extends ReactWidget {
  constructor(
    private _model: CapacityModel,
    private _actions: IEndpointActions,
    private _trans: TranslationBundle,
    private _history: HistoryStore | null = null
  ) {
    super();
    this.id = 'livy-capacity-panel';
    this.addClass('jp-LivyCapacity-panel');
    this.title.icon = sparkCapacityIcon;
    this.title.caption = _trans.__('Spark Capacity');
  }

  get model(): CapacityModel {
    return this._model;
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._model.visible = true;
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this._model.visible = false;
  }

  render(): JSX.Element {
    const trans = this._trans;
    return (
      <>
        <div className="jp-LivyCapacity-header jp-Toolbar">
          <h2>{trans.__('Spark Capacity')}</h2>
          <ToolbarButtonComponent
            icon={refreshIcon}
            tooltip={trans.__('Refresh Spark capacity')}
            onClick={() => void this._model.refresh()}
          />
        </div>
        <HistoryContext.Provider value={this._history}>
          <UseSignal signal={this._model.changed}>
            {() => (
              <CapacityView
                view={modelView(this._model, trans)}
                actions={this._actions}
                trans={trans}
              />
            )}
          </UseSignal>
        </HistoryContext.Provider>
      </>
    );
  }
}
