import { Notification } from '@jupyterlab/apputils';
import { IRunningSessions } from '@jupyterlab/running';
import { TranslationBundle } from '@jupyterlab/translation';

import { sparkCapacityIcon } from './icons';
import { CapacityModel, describeServerError } from './model';
import { INotebookSession, notebookSessions } from './notebookspark';
import { fileName, IEndpointView, IHolderRow } from './viewmodel';

export interface ILivyRunningOptions {
  model: CapacityModel;
  /** The panel's endpoint views, computed from the model now. */
  views: () => IEndpointView[];
  /** The panel's kill: its confirmation dialog, then DELETE. */
  kill: (endpoint: string, row: IHolderRow) => void;
  openNotebook: (path: string) => void;
  trans: TranslationBundle;
}

/** "Livy sessions" in the Running sidebar: this server's notebooks' sessions, from the model's poll. */
export function livyRunningManager(
  options: ILivyRunningOptions
): IRunningSessions.IManager {
  const { model, trans } = options;
  const item = (s: INotebookSession): IRunningSessions.IRunningItem => ({
    className: s.warn
      ? 'jp-LivyCapacity-running jp-mod-warn'
      : 'jp-LivyCapacity-running',
    icon: () => sparkCapacityIcon,
    label: () => fileName(s.row.notebook),
    labelTitle: () =>
      trans.__(
        '%1 of %2 on %3 holds %4 executors',
        s.row.livy,
        s.row.notebook,
        s.endpoint,
        s.row.executors ?? '?'
      ),
    // The sidebar leaves the detail column a few characters: the numbers only, words in the title.
    detail: () =>
      s.clusterExecutors === null
        ? String(s.row.executors ?? '?')
        : `${s.row.executors ?? '?'}/${s.clusterExecutors}`,
    open: () => options.openNotebook(s.row.notebook),
    shutdown: () => options.kill(s.endpoint, s.row)
  });
  return {
    name: trans.__('Livy sessions'),
    running: () => notebookSessions(options.views()).map(item),
    refreshRunning: () => void model.refresh(),
    runningChanged: model.changed,
    shutdownLabel: trans.__('Kill Livy session'),
    shutdownAllLabel: trans.__('Kill All'),
    shutdownAllConfirmationText: () =>
      trans.__(
        'Kill the Livy sessions of all %1 notebooks listed? Their Spark state is lost and their executors freed.',
        notebookSessions(options.views()).length
      ),
    shutdownAll: async () => {
      // The Running sidebar has asked for confirmation of them all already.
      for (const s of notebookSessions(options.views())) {
        try {
          await model.kill(s.endpoint, s.row.session);
        } catch (error) {
          Notification.error(describeServerError(error));
        }
      }
    }
  };
}
