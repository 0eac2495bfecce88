import { JupyterFrontEnd, ILabShell } from '@jupyterlab/application';
import { IRunningSessionManagers } from '@jupyterlab/running';
import { IStatusBar } from '@jupyterlab/statusbar';
import { TranslationBundle } from '@jupyterlab/translation';

import type { IRowActions } from './components/HolderList';
import { CapacityModel } from './model';
import { sessionOfKernel } from './notebookspark';
import { modelView } from './panel';
import { livyRunningManager } from './running';
import { SparkStatusItem } from './statusbar';
import { IEndpointView } from './viewmodel';

export interface ISparkPlacesOptions {
  model: CapacityModel;
  actions: IRowActions;
  trans: TranslationBundle;
  openPanel: () => void;
  /** The kernel of the notebook in focus, if any. */
  activeKernel: () => { id: string } | null;
  running: IRunningSessionManagers | null;
  statusBar: IStatusBar | null;
  labShell: ILabShell | null;
}

/**
 * Spark in JupyterLab's own places: a "Livy sessions" section in the Running sidebar and a
 * status-bar item for the active notebook. Both read the model the panel polls.
 */
export function addSparkPlaces(
  app: JupyterFrontEnd,
  options: ISparkPlacesOptions
): void {
  const { model, trans } = options;
  // The panel's endpoint views, computed once per model change for both places.
  let views: IEndpointView[] | null = null;
  model.changed.connect(() => {
    views = null;
  });
  const currentViews = () => (views ??= modelView(model, trans).endpoints);

  options.running?.add(
    livyRunningManager({
      model,
      views: currentViews,
      kill: options.actions.kill,
      openNotebook: options.actions.openNotebook,
      trans
    })
  );

  if (options.statusBar) {
    const item = new SparkStatusItem(
      () => sessionOfKernel(currentViews(), options.activeKernel()?.id ?? null),
      options.labShell
        ? [model.changed, options.labShell.currentChanged]
        : [model.changed],
      options.openPanel,
      trans
    );
    options.statusBar.registerStatusItem('jupyterlab-livy-capacity:status', {
      item,
      align: 'left',
      rank: 4,
      isActive: () => item.active,
      activeStateChanged: item.stateChanged
    });
  }
}
