import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { recommendCap } from '../fairshare';
import { CapacityModel } from '../model';
import { clusterExecutors } from '../viewmodel';
import { EndpointCard, IEndpointActions } from './EndpointCard';

export interface ICapacityViewProps {
  model: CapacityModel;
  actions: IEndpointActions;
  trans: TranslationBundle;
}

/** The whole sidebar: the config's state, then one card per endpoint. */
export function CapacityView(props: ICapacityViewProps): JSX.Element {
  const { model, trans } = props;
  const doc = model.document;
  if (model.serverError && !doc) {
    return <Message testid="server-error" text={model.serverError} />;
  }
  if (!doc) {
    return <Message testid="loading" text={trans.__('Loading…')} />;
  }
  const { config } = doc;
  const now = new Date();
  return (
    <div className="jp-LivyCapacity-view">
      {model.serverError && <Message testid="server-error" text={model.serverError} />}
      <p className="jp-LivyCapacity-path" title={config.path}>
        {trans.__('SparkMagic config: %1', config.path)}
      </p>
      {config.status !== 'ok' && (
        <Message
          testid={`config-${config.status}`}
          text={config.message ?? config.status}
          detail={
            config.status === 'invalid_json'
              ? trans.__('Line %1, column %2.', config.line ?? '?', config.column ?? '?')
              : undefined
          }
        />
      )}
      {config.problems.map(p => (
        <Message key={p.field} testid="config-problem" text={p.message} />
      ))}
      {doc.endpoints.map(endpoint => {
        const url = endpoint.url ?? '';
        const capacity = model.capacity(url);
        const snapshot = model.snapshot(url);
        const executors = clusterExecutors(capacity.kind === 'capacity' ? capacity.capacity : null, snapshot);
        // A cap only helps when sessions share the cluster: two or more live, or expected.
        const sharing = (snapshot?.sessions.length ?? 0) >= 2 || model.settings.expectedConcurrentSessions > 0;
        const recommendation =
          executors && endpoint.sessionSettings.maxExecutorsUnset && sharing
            ? recommendCap(executors, snapshot?.sessions.length ?? 0, model.settings.expectedConcurrentSessions)
            : null;
        return (
          <EndpointCard
            key={endpoint.id}
            endpoint={endpoint}
            capacity={capacity}
            snapshot={snapshot}
            sessionsError={model.sessionsError(url)}
            clusterExecutors={executors}
            recommendation={recommendation}
            idleThresholdMinutes={model.settings.idleThresholdMinutes}
            now={now}
            actions={props.actions}
            trans={trans}
          />
        );
      })}
    </div>
  );
}

function Message(props: { text: string; detail?: string; testid: string }): JSX.Element {
  return (
    <div className="jp-LivyCapacity-message" data-testid={props.testid}>
      <p>{props.text}</p>
      {props.detail && <p>{props.detail}</p>}
    </div>
  );
}
