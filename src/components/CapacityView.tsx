import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { IPanelView } from '../viewmodel';
import { EndpointCard, IEndpointActions } from './EndpointCard';

export interface ICapacityViewProps {
  view: IPanelView;
  actions: IEndpointActions;
  trans: TranslationBundle;
}

/** The whole sidebar: the config's state, then one card per endpoint. Renders only. */
export function CapacityView(props: ICapacityViewProps): JSX.Element {
  const { view, trans } = props;
  const __ = trans.__.bind(trans);
  if (view.status === 'loading') {
    return (
      <p
        className="jp-LivyCapacity-view jp-LivyCapacity-hint"
        data-testid="loading"
      >
        {__('Reading the SparkMagic config…')}
      </p>
    );
  }
  return (
    <div className="jp-LivyCapacity-view">
      {view.status !== 'ok' && (
        <div
          className="jp-LivyCapacity-message"
          data-testid={view.status}
          role="alert"
        >
          <p>
            <b>
              {view.status === 'no-config'
                ? __('No SparkMagic config yet')
                : view.status === 'config-error'
                  ? __('The SparkMagic config cannot be read')
                  : __('The panel’s server extension is not answering')}
            </b>
          </p>
          {view.message && <p>{view.message}</p>}
          {view.hint && <p>{view.hint}</p>}
        </div>
      )}
      {view.path && (
        <p
          className="jp-LivyCapacity-line jp-LivyCapacity-hint"
          title={view.path}
        >
          {__('SparkMagic config: %1', view.path)}
        </p>
      )}
      {view.problems.map(p => (
        <div
          key={p}
          className="jp-LivyCapacity-message"
          data-testid="config-problem"
        >
          <p>{p}</p>
        </div>
      ))}
      {view.endpoints.map(e => (
        <EndpointCard
          key={e.endpoint.id}
          view={e}
          actions={props.actions}
          trans={trans}
        />
      ))}
    </div>
  );
}
