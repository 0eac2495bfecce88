import { TranslationBundle } from '@jupyterlab/translation';
import {
  ReactWidget,
  refreshIcon,
  ToolbarButtonComponent
} from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import { sparkCapacityIcon } from './icons';
import { CapacityModel } from './model';
import type { IPanelBodyOptions } from './panelbody';
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

/**
 * The "Spark Capacity" sidebar. Its header renders from the start; its views (./panelbody, with
 * their CSS) load the first time the panel shows, so JupyterLab's startup does not fetch them.
 */
export class CapacityPanel extends ReactWidget {
  constructor(private _options: IPanelBodyOptions) {
    super();
    this.id = 'livy-capacity-panel';
    this.addClass('jp-LivyCapacity-panel');
    this.title.icon = sparkCapacityIcon;
    this.title.caption = _options.trans.__('Spark Capacity');
  }

  get model(): CapacityModel {
    return this._options.model;
  }

  /** Resolves once the views have loaded and rendered (call after showing the panel). */
  async ready(): Promise<void> {
    await this._load();
    // update() renders at the next animation frame; renderPromise resolves once React is done.
    await new Promise(resolve => requestAnimationFrame(resolve));
    await this.renderPromise;
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.model.visible = true;
    void this._load();
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this.model.visible = false;
  }

  private _load(): Promise<void> {
    this._loading ??= import('./panelbody').then(m => {
      this._body = m.panelBody(this._options);
      this.update();
    });
    return this._loading;
  }

  render(): JSX.Element {
    const { model, trans } = this._options;
    const Body = this._body;
    return (
      <>
        <div className="jp-LivyCapacity-header jp-Toolbar">
          <h2>{trans.__('Spark Capacity')}</h2>
          <ToolbarButtonComponent
            icon={refreshIcon}
            tooltip={trans.__('Refresh Spark capacity')}
            onClick={() => void model.refresh()}
          />
        </div>
        {Body && <Body />}
      </>
    );
  }

  private _loading: Promise<void> | null = null;
  private _body: (() => JSX.Element) | null = null;
}
