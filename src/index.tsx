import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  Clipboard,
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
  ReactWidget,
  refreshIcon,
  settingsIcon
} from '@jupyterlab/ui-components';
import * as React from 'react';

import { checkSection, ICheckSection } from './capacitycheck';
import { IEndpointActions } from './components/EndpointCard';
import { IRecommendation } from './fairshare';
import { HistoryStore } from './historystore';
import { sparkCapacityIcon } from './icons';
import { CapacityModel, describeServerError } from './model';
import { claim, IStore, notices } from './notify';
import { CapacityPanel, modelView, translate } from './panel';
import { addSparkPlaces } from './places';
import { IHolderRow } from './viewmodel';

const PLUGIN_ID = 'jupyterlab-livy-capacity:plugin';

namespace CommandIDs {
  export const check = 'livy-capacity:check';
  export const open = 'livy-capacity:open';
  export const refresh = 'livy-capacity:refresh';
  export const details = 'livy-capacity:endpoint-details';
}

/** SparkMagic's wrapper kernels and the credentials block each one uses. */
const KERNEL_CREDENTIALS: Record<string, string> = {
  pysparkkernel: 'python',
  sparkkernel: 'scala',
  sparkrkernel: 'r'
};

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
    ILabShell
  ],
  activate: async (
    app: JupyterFrontEnd,
    registry: ISettingRegistry,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    running: IRunningSessionManagers | null,
    statusBar: IStatusBar | null,
    labShell: ILabShell | null
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
    const panel = new CapacityPanel(
      model,
      actions,
      trans,
      new HistoryStore(model)
    );
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
          const show = () => {
            app.shell.activateById(panel.id);
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
                      callback: () => show()?.setAttribute('open', '')
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
        await model.refresh();
        const sections = capacitySections(app, model, trans);
        await showDialog({
          title: trans.__('Spark capacity'),
          body: ReactWidget.create(
            <CheckBody sections={sections} trans={trans} />
          ),
          buttons: [Dialog.okButton({ label: trans.__('Close') })]
        });
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
  }
};

function CheckBody(props: {
  sections: ICheckSection[];
  trans: TranslationBundle;
}): JSX.Element {
  if (!props.sections.length) {
    return (
      <p>
        {props.trans.__(
          'No endpoints: see the Spark Capacity panel for the SparkMagic config state.'
        )}
      </p>
    );
  }
  return (
    <div className="jp-LivyCapacity-check" data-testid="capacity-check">
      {props.sections.map(section => (
        <section key={section.title}>
          <h3>{section.title}</h3>
          <ul>
            {section.lines.map(line => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}

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

function capacitySections(
  app: JupyterFrontEnd,
  model: CapacityModel,
  trans: TranslationBundle
): ICheckSection[] {
  const kernel = activeKernel(app);
  return modelView(model, trans).endpoints.map(view => {
    const url = view.endpoint.url ?? '';
    const holdsSession =
      !!kernel &&
      !!view.snapshot?.sessions.some(s => s.notebook?.kernelId === kernel.id);
    const usesEndpoint =
      !!kernel &&
      view.endpoint.kernels.includes(KERNEL_CREDENTIALS[kernel.name] ?? '');
    const details = model.details(url);
    return checkSection(
      {
        view,
        active: holdsSession || usesEndpoint,
        expectedSessions: model.settings.expectedConcurrentSessions,
        workerType:
          details?.clusterKind === 'glue' ? details.workerType : undefined
      },
      translate(trans)
    );
  });
}

function makeActions(
  app: JupyterFrontEnd,
  model: CapacityModel,
  trans: TranslationBundle
): IEndpointActions {
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
    },
    copySnippet: text => {
      Clipboard.copyToSystem(text);
      Notification.success(trans.__('Copied the %1 cell.', '%%configure'), {
        autoClose: 3000
      });
    },
    insertSnippet: async text => {
      if (!activeKernel(app)) {
        Notification.warning(
          trans.__(
            'Open a notebook first: the cell goes below the active cell.'
          )
        );
        return;
      }
      await app.commands.execute('notebook:insert-cell-below');
      await app.commands.execute('notebook:replace-selection', { text });
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
}

export default plugin;
