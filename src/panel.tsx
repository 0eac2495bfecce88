import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget, refreshIcon, ToolbarButtonComponent, UseSignal } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import { CapacityView } from './components/CapacityView';
import { IEndpointActions } from './components/EndpointCard';
import { sparkCapacityIcon } from './icons';
import { CapacityModel } from './model';

/** The "Spark Capacity" sidebar: re-renders on every model change, polls only while shown. */
export class CapacityPanel extends ReactWidget {
  constructor(
    private _model: CapacityModel,
    private _actions: IEndpointActions,
    private _trans: TranslationBundle
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
        <div className="jp-LivyCapacity-header">
          <h2>{trans.__('Spark Capacity')}</h2>
          <ToolbarButtonComponent
            icon={refreshIcon}
            tooltip={trans.__('Refresh Spark capacity')}
            onClick={() => void this._model.refresh()}
          />
        </div>
        <UseSignal signal={this._model.changed}>
          {() => <CapacityView model={this._model} actions={this._actions} trans={trans} />}
        </UseSignal>
      </>
    );
  }
}
