/**
 * The Spark Capacity panel's views and the actions only they offer, loaded the first time the
 * panel shows (see CapacityPanel): JupyterLab's startup does not fetch this module or its CSS.
 */
import {
  Clipboard,
  Dialog,
  Notification,
  showDialog
} from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { UseSignal } from '@jupyterlab/ui-components';
import * as React from 'react';

import panelCss from '../style/panel.raw.css';
import { CapacityView } from './components/CapacityView';
import { IEndpointActions } from './components/EndpointCard';
import { HistoryContext } from './components/HistoryChart';
import { IRowActions } from './components/HolderList';
import { IRecommendation } from './fairshare';
import { HistoryStore } from './historystore';
import { CapacityModel, describeServerError } from './model';
import { modelView } from './panel';
import { addStyle } from './style';

addStyle(panelCss);

export interface IPanelBodyOptions {
  model: CapacityModel;
  trans: TranslationBundle;
  /** What the Running sidebar offers too: kill (with its confirmation), open a notebook. */
  actions: IRowActions & { openSettings(url: string): void };
  /** Runs a JupyterLab command (app.commands.execute). */
  execute: (command: string, args?: Record<string, string>) => Promise<any>;
  /** The kernel of the notebook in focus, if any. */
  activeKernel: () => { id: string } | null;
}

/** The panel's body: re-renders on every model change. */
export function panelBody(options: IPanelBodyOptions): () => JSX.Element {
  const { model, trans } = options;
  const history = new HistoryStore(model);
  const actions: IEndpointActions = {
    ...options.actions,
    copySnippet: text => {
      Clipboard.copyToSystem(text);
      Notification.success(trans.__('Copied the %1 cell.', '%%configure'), {
        autoClose: 3000
      });
    },
    insertSnippet: async text => {
      if (!options.activeKernel()) {
        Notification.warning(
          trans.__(
            'Open a notebook first: the cell goes below the active cell.'
          )
        );
        return;
      }
      await options.execute('notebook:insert-cell-below');
      await options.execute('notebook:replace-selection', { text });
    },
    applyCap: async (r: IRecommendation) => {
      try {
        const preview = await model.previewCap(r.cap);
        const result = await showDialog({
          title: trans.__(
            'Apply maxExecutors = %1 to the SparkMagic config?',
            r.cap
          ),
          body: trans.__(
            'In %1, %2 changes from %3 to "%4". Every other key stays; a backup goes to %5. New sessions get the cap after their kernel restarts.',
            preview.path,
            preview.key,
            preview.before === null ? trans.__('unset') : `"${preview.before}"`,
            preview.after,
            preview.backup
          ),
          buttons: [
            Dialog.cancelButton(),
            Dialog.okButton({ label: trans.__('Apply') })
          ]
        });
        if (result.button.accept) {
          await model.applyCap(r.cap, preview.sha256);
          Notification.success(
            trans.__('maxExecutors = %1 written to %2.', r.cap, preview.path),
            { autoClose: 5000 }
          );
        }
      } catch (error) {
        Notification.error(describeServerError(error));
      }
    }
  };
  return () => (
    <HistoryContext.Provider value={history}>
      <UseSignal signal={model.changed}>
        {() => (
          <CapacityView
            view={modelView(model, trans)}
            actions={actions}
            trans={trans}
          />
        )}
      </UseSignal>
    </HistoryContext.Provider>
  );
}
