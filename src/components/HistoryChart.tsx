import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { HistoryStore } from '../historystore';
import { formatNumber } from '../viewmodel';

const HistoryView = React.lazy(() => import('./HistoryView'));

/** The panel provides the history store; cards render a history section only where there is one. */
export const HistoryContext = React.createContext<HistoryStore | null>(null);

/**
 * One endpoint's history, collapsed until opened: only an open section reads the history
 * (GET /livy-capacity/history), after each model poll.
 */
export function HistorySection(props: {
  endpoint: string;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { endpoint, trans } = props;
  const store = React.useContext(HistoryContext);
  const [open, setOpen] = React.useState(false);
  const [, setVersion] = React.useState(0);
  React.useEffect(() => {
    if (!store || !open) {
      return;
    }
    const onChanged = (_: HistoryStore, url: string) => {
      if (url === endpoint) {
        setVersion(v => v + 1);
      }
    };
    store.changed.connect(onChanged);
    const unwatch = store.watch(endpoint);
    return () => {
      store.changed.disconnect(onChanged);
      unwatch();
    };
  }, [store, open, endpoint]);
  if (!store || !endpoint) {
    return null;
  }
  const report = store.report(endpoint);
  const error = store.error(endpoint);
  const __ = trans.__.bind(trans);
  return (
    <details
      className="jp-LivyCapacity-history"
      data-testid="history"
      open={open}
      onToggle={event => setOpen(event.currentTarget.open)}
    >
      <summary>
        {report
          ? __('History: last %1 min', formatNumber(report.window.minutes))
          : __('History')}
      </summary>
      {open && error && (
        <p className="jp-LivyCapacity-warning" role="alert">
          {error}
        </p>
      )}
      {open && !report && !error && (
        <p className="jp-LivyCapacity-hint">{__('Reading the history…')}</p>
      )}
      {open && report && (
        <React.Suspense
          fallback={
            <p className="jp-LivyCapacity-hint">{__('Loading the chart…')}</p>
          }
        >
          <HistoryView endpoint={endpoint} report={report} trans={trans} />
        </React.Suspense>
      )}
    </details>
  );
}
