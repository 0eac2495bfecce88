import { TranslationBundle } from '@jupyterlab/translation';
import type { Field, FieldProps } from '@rjsf/utils';
import * as React from 'react';

const EndpointsField = React.lazy(() => import('./endpointsfield'));

/**
 * The Settings Editor's field for the `endpoints` map (IFormRendererRegistry): JupyterLab's own
 * map editor plus an "Add endpoint" choice of the SparkMagic config's URLs. Its code loads when
 * the Settings Editor first shows the field; until then the plain map editor stands in.
 */
export function endpointsFieldRenderer(trans: TranslationBundle): Field {
  return function LivyEndpointsField(props: FieldProps) {
    const ObjectField = props.registry.fields.ObjectField;
    return (
      <React.Suspense fallback={<ObjectField {...props} />}>
        <EndpointsField {...props} trans={trans} />
      </React.Suspense>
    );
  };
}
