import {
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
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget, refreshIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { checkSection, ICheckSection } from './capacitycheck';
import { IEndpointActions } from './components/EndpointCard';
import { IRecommendation } from './fairshare';
import { sparkCapacityIcon } from './icons';
import { CapacityModel, describeServerError, IStarvationEvent } from './model';
import { CapacityPanel } from './panel';
import { clusterExecutors, ISessionRow, livyLabel } from './viewmodel';

const PLUGIN_ID = 'jupyterlab-livy-capacity:plugin';

namespace CommandIDs {
  export const check = 'livy-capacity:check';
  export const open = 'livy-capacity:open';
  export const refresh = 'livy-capacity:refresh';
}

/** SparkMagic's wrapper kernels and the credentials block each one uses. */
const KERNEL_CREDENTIALS: Record<string, string> = {
  pysparkkernel: 'python',
  sparkkernel: 'scala',
  sparkrkernel: 'r'
};

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Spark executor capacity of SparkMagic / Livy endpoints, and who holds it.',
  autoStart: true,
  requires: [ISettingRegistry],
  optional: [ITranslator, ICommandPalette, ILayoutRestorer],
  activate: async (
    app: JupyterFrontEnd,
    registry: ISettingRegistry,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null
  ) => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_livy_capacity');
    let settings: ISettingRegistry.ISettings | null = null;
    try {
      settings = await registry.load(PLUGIN_ID);
    } catch (error) {
      Notification.error(trans.__('Spark Capacity settings could not be loaded: %1', String(error)));
    }
    const model = new CapacityModel(settings);
    const panel = new CapacityPanel(model, makeActions(app, model, trans), trans);
    app.shell.add(panel, 'left', { rank: 600 });
    restorer?.add(panel, 'livy-capacity-panel');
    model.start();
    model.starvationDetected.connect((_, event) => notifyStarvation(app, panel, event, trans));

    app.commands.addCommand(CommandIDs.open, {
      label: trans.__('Open Spark Capacity panel'),
      caption: trans.__('Show the executors each Livy session holds on your SparkMagic endpoints'),
      icon: sparkCapacityIcon,
      execute: () => app.shell.activateById(panel.id)
    });
    app.commands.addCommand(CommandIDs.refresh, {
      label: trans.__('Refresh Spark capacity'),
      caption: trans.__('Read the SparkMagic config and the live Livy sessions again now'),
      icon: refreshIcon,
      execute: () => model.refresh()
    });
    app.commands.addCommand(CommandIDs.check, {
      label: trans.__('Check Spark capacity'),
      caption: trans.__('Per endpoint: capacity, the settings behind it, live usage and what a new session would get'),
      icon: sparkCapacityIcon,
      execute: async () => {
        await model.refresh();
        const sections = capacitySections(app, model, trans);
        await showDialog({
          title: trans.__('Spark capacity'),
          body: ReactWidget.create(<CheckBody sections={sections} trans={trans} />),
          buttons: [Dialog.okButton({ label: trans.__('Close') })]
        });
      }
    });
    for (const command of [CommandIDs.check, CommandIDs.open, CommandIDs.refresh]) {
      palette?.addItem({ command, category: trans.__('Spark') });
    }
  }
};

function CheckBody(props: { sections: ICheckSection[]; trans: TranslationBundle }): JSX.Element {
  if (!props.sections.length) {
    return <p>{props.trans.__('No endpoints: see the Spark Capacity panel for the SparkMagic config state.')}</p>;
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
function activeKernel(app: JupyterFrontEnd): { id: string; name: string } | null {
  const widget = app.shell.currentWidget as unknown as {
    sessionContext?: { session?: { kernel?: { id: string; name: string } | null } | null };
  } | null;
  return widget?.sessionContext?.session?.kernel ?? null;
}

function capacitySections(app: JupyterFrontEnd, model: CapacityModel, trans: TranslationBundle): ICheckSection[] {
  const kernel = activeKernel(app);
  return (model.document?.endpoints ?? []).map(endpoint => {
    const url = endpoint.url ?? '';
    const snapshot = model.snapshot(url);
    const capacity = model.capacity(url);
    const holdsSession = !!kernel && !!snapshot?.sessions.some(s => s.notebook?.kernelId === kernel.id);
    const usesEndpoint = !!kernel && endpoint.kernels.includes(KERNEL_CREDENTIALS[kernel.name] ?? '');
    return checkSection(
      {
        endpoint,
        capacity,
        snapshot,
        clusterExecutors: clusterExecutors(capacity.kind === 'capacity' ? capacity.capacity : null, snapshot),
        active: holdsSession || usesEndpoint,
        expectedSessions: model.settings.expectedConcurrentSessions,
        workerType: model.details(url)?.clusterKind === 'glue' ? model.details(url)?.workerType : undefined
      },
      (msg, ...args) => trans.__(msg, ...args)
    );
  });
}

function makeActions(app: JupyterFrontEnd, model: CapacityModel, trans: TranslationBundle): IEndpointActions {
  return {
    openSettings: () => void app.commands.execute('settingeditor:open', { query: 'Spark Capacity' }),
    openNotebook: path => void app.commands.execute('docmanager:open', { path }),
    kill: async (endpoint: string, row: ISessionRow) => {
      const who = row.notebook
        ? trans.__('the session of notebook %1', row.notebook)
        : trans.__('the %1 of %2 (not one of your notebooks)', row.session.type, row.owner);
      const result = await showDialog({
        title: trans.__('Kill %1?', livyLabel(row.session)),
        body: trans.__('This stops %1 on %2 and frees the %3 executors it holds. Unsaved Spark state is lost.', who, endpoint, row.executors ?? 0),
        buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: trans.__('Kill') })]
      });
      if (!result.button.accept) {
        return;
      }
      try {
        await model.kill(endpoint, row.session);
        Notification.success(trans.__('%1 killed.', livyLabel(row.session)), { autoClose: 3000 });
      } catch (error) {
        Notification.error(describeServerError(error));
      }
    },
    copySnippet: text => {
      Clipboard.copyToSystem(text);
      Notification.success(trans.__('Copied the %1 cell.', '%%configure'), { autoClose: 3000 });
    },
    insertSnippet: async text => {
      if (!activeKernel(app)) {
        Notification.warning(trans.__('Open a notebook first: the cell goes below the active cell.'));
        return;
      }
      await app.commands.execute('notebook:insert-cell-below');
      await app.commands.execute('notebook:replace-selection', { text });
    },
    applyCap: async (r: IRecommendation) => {
      try {
        const preview = await model.previewCap(r.cap);
        const result = await showDialog({
          title: trans.__('Apply maxExecutors = %1 to the SparkMagic config?', r.cap),
          body: trans.__(
            'In %1, %2 changes from %3 to "%4". Every other key stays; a backup goes to %5. New sessions get the cap after their kernel restarts.',
            preview.path,
            preview.key,
            preview.before === null ? trans.__('unset') : `"${preview.before}"`,
            preview.after,
            preview.backup
          ),
          buttons: [Dialog.cancelButton(), Dialog.okButton({ label: trans.__('Apply') })]
        });
        if (result.button.accept) {
          await model.applyCap(r.cap, preview.sha256);
          Notification.success(trans.__('maxExecutors = %1 written to %2.', r.cap, preview.path), { autoClose: 5000 });
        }
      } catch (error) {
        Notification.error(describeServerError(error));
      }
    }
  };
}

function notifyStarvation(app: JupyterFrontEnd, panel: CapacityPanel, event: IStarvationEvent, trans: TranslationBundle): void {
  const s = event.starvation;
  const holder = holderLabel(panel, event);
  Notification.warning(
    trans.__(
      'Spark starvation on %1: %2 holds %3 of %4 executors while %5 waits.',
      event.endpoint,
      holder,
      s.held,
      s.clusterExecutors,
      s.waiting.join(', ')
    ),
    {
      autoClose: false,
      actions: [
        { label: trans.__('Open panel'), callback: () => app.shell.activateById(panel.id) },
        {
          label: trans.__('See recommendation'),
          callback: () => {
            app.shell.activateById(panel.id);
            panel.node.querySelector<HTMLDetailsElement>('.jp-LivyCapacity-recommendation')?.setAttribute('open', '');
          }
        }
      ]
    }
  );
}

function holderLabel(panel: CapacityPanel, event: IStarvationEvent): string {
  const row = panel.model.snapshot(event.endpoint)?.sessions.find(s => s.key === event.starvation.holder);
  return row?.notebook?.path ?? (row ? `${livyLabel(row)} (${row.proxyUser || row.owner || '?'})` : event.starvation.holder);
}

export default plugin;
