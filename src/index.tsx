import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  Dialog,
  ICommandPalette,
  Notification,
  showDialog
} from '@jupyterlab/apputils';
import { IRunningSessionManagers } from '@jupyterlab/running';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import {
  IFormRendererRegistry,
  refreshIcon,
  settingsIcon
} from '@jupyterlab/ui-components';

import type { IRowActions } from './components/HolderList';
import { sparkCapacityIcon } from './icons';
import { CapacityModel, describeServerError } from './model';
import { claim, IStore, notices } from './notify';
import { CapacityPanel, translate } from './panel';
import { addSparkPlaces } from './places';
import { endpointsFieldRenderer } from './settingsfield';
import { IHolderRow } from './viewmodel';

const PLUGIN_ID = 'jupyterlab-livy-capacity:plugin';

namespace CommandIDs {
  export const check = 'livy-capacity:check';
  export const open = 'livy-capacity:open';
  export const refresh = 'livy-capacity:refresh';
  export const details = 'livy-capacity:endpoint-details';
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'Spark executor capacity of SparkMagic / Livy endpoints, and who holds it.',
  autoStart: true,
  requires: [ISettingRegistry],
  optional: [
    ITranslator,
    ICommandPalette,
    ILayoutRestorer,
    IRunningSessionManagers,
    IStatusBar,
    ILabShell,
    IFormRendererRegistry
  ],
  activate: async (
    app: JupyterFrontEnd,
    registry: ISettingRegistry,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    running: IRunningSessionManagers | null,
    statusBar: IStatusBar | null,
    labShell: ILabShell | null,
    formRegistry: IFormRendererRegistry | null
  ) => {
    const trans = (translator ?? nullTranslator).load(
      'jupyterlab_livy_capacity'
    );
    const __ = translate(trans);
    let settings: ISettingRegistry.ISettings | null = null;
    try {
      settings = await registry.load(PLUGIN_ID);
    } catch (error) {
      Notification.error(
        trans.__(
          'Spark Capacity settings could not be loaded: %1',
          String(error)
        )
      );
    }
    const model = new CapacityModel(settings);
    const actions = makeActions(app, model, trans);
    const panel = new CapacityPanel({
      model,
      trans,
      actions,
      execute: (command, args) => app.commands.execute(command, args),
      activeKernel: () => activeKernel(app)
    });
    app.shell.add(panel, 'left', { rank: 600 });
    restorer?.add(panel, 'livy-capacity-panel');
    model.start();
    addSparkPlaces(app, {
      model,
      actions,
      trans,
      openPanel: () => app.shell.activateById(panel.id),
      activeKernel: () => activeKernel(app),
      running,
      statusBar,
      labShell
    });

    // Notifications reach a user whose panel is closed (the model polls anyway), once per
    // episode per browser: every tab shares the ids in localStorage.
    let store: IStore | null = null;
    try {
      store = window.localStorage;
    } catch {
      store = null;
    }
    model.changed.connect(() => {
      const now = new Date();
      for (const endpoint of model.document?.endpoints ?? []) {
        const snapshot = endpoint.url ? model.snapshot(endpoint.url) : null;
        if (!snapshot) {
          continue;
        }
        for (const notice of notices(
          snapshot,
          now,
          model.settings.idleThresholdMinutes,
          __
        )) {
          if (!claim(store, notice.id, now)) {
            continue;
          }
          const show = async () => {
            app.shell.activateById(panel.id);
            await panel.ready();
            return panel.node.querySelector(
              `[data-endpoint="${CSS.escape(notice.endpoint)}"] .jp-LivyCapacity-recommendation`
            );
          };
          Notification.warning(notice.text, {
            autoClose: notice.kind === 'idle' ? 15000 : false,
            actions: [
              { label: trans.__('Open panel'), callback: () => void show() },
              ...(notice.kind === 'starvation'
                ? [
                    {
                      label: trans.__('See recommendation'),
                      callback: () =>
                        void show().then(el => el?.setAttribute('open', ''))
                    }
                  ]
                : [])
            ]
          });
        }
      }
    });

    app.commands.addCommand(CommandIDs.open, {
      label: trans.__('Open Spark Capacity panel'),
      caption: trans.__(
        'Show the executors each Livy session holds on your SparkMagic endpoints'
      ),
      icon: sparkCapacityIcon,
      execute: () => app.shell.activateById(panel.id)
    });
    app.commands.addCommand(CommandIDs.refresh, {
      label: trans.__('Refresh Spark capacity'),
      caption: trans.__(
        'Read the SparkMagic config and the live Livy sessions again now'
      ),
      icon: refreshIcon,
      execute: () => model.refresh()
    });
    app.commands.addCommand(CommandIDs.details, {
      label: args =>
        args.url
          ? trans.__('Enter endpoint details of %1', String(args.url))
          : trans.__('Enter Spark endpoint details'),
      caption: trans.__(
        'Open the Settings Editor at Spark Capacity with an entry for the endpoint, to give its cluster kind and size'
      ),
      icon: settingsIcon,
      execute: async args => {
        const url = typeof args.url === 'string' ? args.url : '';
        const endpoints = { ...model.settings.endpoints };
        if (url && settings && !endpoints[url]) {
          // An empty entry is valid and reads as "details not given": the form shows its fields.
          endpoints[url] = {};
          await settings.set('endpoints', endpoints as any);
        }
        await app.commands.execute('settingeditor:open', {
          query: 'Spark Capacity'
        });
      }
    });
    app.commands.addCommand(CommandIDs.check, {
      label: trans.__('Check Spark capacity'),
      caption: trans.__(
        'Per endpoint: capacity, the settings behind it, live usage and what a new session would get'
      ),
      icon: sparkCapacityIcon,
      execute: async () => {
        const { showCapacityCheck } = await import('./check');
        await showCapacityCheck(model, trans, activeKernel(app));
      }
    });
    for (const command of [
      CommandIDs.check,
      CommandIDs.open,
      CommandIDs.refresh,
      CommandIDs.details
    ]) {
      palette?.addItem({ command, category: trans.__('Spark') });
    }
    // Settings Editor: a new endpoint entry offers the SparkMagic config's URLs.
    formRegistry?.addRenderer(`${PLUGIN_ID}.endpoints`, {
      fieldRenderer: endpointsFieldRenderer(trans)
    });
  }
};

/** The kernel of the notebook in focus, if any (duck-typed: no notebook package needed). */
function activeKernel(
  app: JupyterFrontEnd
): { id: string; name: string } | null {
  const widget = app.shell.currentWidget as unknown as {
    sessionContext?: {
      session?: { kernel?: { id: string; name: string } | null } | null;
    };
  } | null;
  return widget?.sessionContext?.session?.kernel ?? null;
}

/** The actions the panel shares with the Running sidebar; the panel adds its own (./panelbody). */
function makeActions(
  app: JupyterFrontEnd,
  model: CapacityModel,
  trans: TranslationBundle
): IRowActions & { openSettings(url: string): void } {
  return {
    openSettings: url => void app.commands.execute(CommandIDs.details, { url }),
    openNotebook: path =>
      void app.commands.execute('docmanager:open', { path }),
    kill: async (endpoint: string, row: IHolderRow) => {
      const who = row.notebook
        ? trans.__('the session of notebook %1', row.notebook)
        : row.owner
          ? trans.__(
              '%1 of %2 (not one of your notebooks)',
              row.livy,
              row.owner
            )
          : trans.__('%1 (not one of your notebooks)', row.livy);
      const result = await showDialog({
        title:
          row.name === row.livy
            ? trans.__('Kill %1?', row.name)
            : trans.__('Kill %1 (%2)?', row.name, row.livy),
        body: trans.__(
          'This stops %1 on %2 and frees the %3 executors it holds. Unsaved Spark state is lost.',
          who,
          endpoint,
          row.executors ?? 0
        ),
        buttons: [
          Dialog.cancelButton(),
          Dialog.warnButton({ label: trans.__('Kill') })
        ]
      });
      if (!result.button.accept) {
        return;
      }
      try {
        await model.kill(endpoint, row.session);
        Notification.success(trans.__('%1 killed.', row.name), {
          autoClose: 3000
        });
      } catch (error) {
        Notification.error(describeServerError(error));
      }
    }
  };
}

export default plugin;
