/** "Check Spark capacity": its dialog, loaded on first use of the command. */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { checkSection, ICheckSection } from './capacitycheck';
import { CapacityModel } from './model';
import { modelView, translate } from './panel';

/** SparkMagic's wrapper kernels and the credentials block each one uses. */
const KERNEL_CREDENTIALS: Record<string, string> = {
  pysparkkernel: 'python',
  sparkkernel: 'scala',
  sparkrkernel: 'r'
};

/** Per endpoint: capacity, the settings behind it, live usage and what a new session would get. */
export async function showCapacityCheck(
  model: CapacityModel,
  trans: TranslationBundle,
  kernel: { id: string; name: string } | null
): Promise<void> {
  await model.refresh();
  await showDialog({
    title: trans.__('Spark capacity'),
    body: ReactWidget.create(
      <CheckBody
        sections={capacitySections(model, trans, kernel)}
        trans={trans}
      />
    ),
    buttons: [Dialog.okButton({ label: trans.__('Close') })]
  });
}

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
          <h3 style={{ fontSize: 'var(--jp-ui-font-size1)' }}>
            {section.title}
          </h3>
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

function capacitySections(
  model: CapacityModel,
  trans: TranslationBundle,
  kernel: { id: string; name: string } | null
): ICheckSection[] {
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
