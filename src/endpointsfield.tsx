/**
 * The Settings Editor's `endpoints` field (see settingsfield.tsx, which loads this on first use):
 * JupyterLab's map editor, then an "Add endpoint" choice of the SparkMagic config's URLs that have
 * no entry yet, instead of rjsf's "newKey" entry to rename. Where the server cannot list them, the
 * map editor's own Add button stays.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import type { FieldProps } from '@rjsf/utils';
import * as React from 'react';

import settingsCss from '../style/settings.raw.css';
import { describeServerError } from './model';
import { requestAPI } from './request';
import { addStyle } from './style';
import { IEndpointsDocument } from './types';

addStyle(settingsCss);

interface IChoice {
  url: string;
  kernels: string[];
}

/** The SparkMagic config's endpoint URLs (one per URL, with every kernel that uses it). */
export function configUrls(document: IEndpointsDocument): IChoice[] {
  const byUrl = new Map<string, IChoice>();
  for (const endpoint of document.endpoints) {
    if (!endpoint.url) {
      continue;
    }
    const choice = byUrl.get(endpoint.url) ?? {
      url: endpoint.url,
      kernels: []
    };
    choice.kernels.push(...endpoint.kernels);
    byUrl.set(endpoint.url, choice);
  }
  return [...byUrl.values()];
}

export default function EndpointsField(
  props: FieldProps & { trans: TranslationBundle }
): JSX.Element {
  const { trans, registry } = props;
  const __ = trans.__.bind(trans);
  const ObjectField = registry.fields.ObjectField;
  const [urls, setUrls] = React.useState<IChoice[] | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [choice, setChoice] = React.useState('');
  const [added, setAdded] = React.useState('');
  React.useEffect(() => {
    let live = true;
    requestAPI<IEndpointsDocument>('endpoints')
      .then(document => live && setUrls(configUrls(document)))
      .catch(reason => live && setError(describeServerError(reason)));
    return () => {
      live = false;
    };
  }, []);

  const entries: Record<string, unknown> = props.formData ?? {};
  const missing = (urls ?? []).filter(c => !(c.url in entries));
  const selected = missing.some(c => c.url === choice)
    ? choice
    : (missing[0]?.url ?? '');
  const add = () => {
    if (selected) {
      // An empty entry is valid and reads as "details not given": the form shows its fields.
      props.onChange({ ...entries, [selected]: {} });
      setAdded(selected);
    }
  };
  const id = `${props.idSchema.$id}__add`;
  // rjsf's own Add button makes a "newKey" entry to rename: only where the URLs are not known.
  const uiSchema = {
    ...props.uiSchema,
    'ui:options': { ...props.uiSchema?.['ui:options'], expandable: !!error }
  };
  let hint = '';
  if (error) {
    hint = __(
      'The SparkMagic config’s endpoints could not be read (%1): add an entry with Add and type its URL.',
      error
    );
  } else if (urls === null) {
    hint = __('Reading the SparkMagic config…');
  } else if (!urls.length) {
    hint = __('The SparkMagic config names no endpoint URL yet.');
  } else if (!missing.length) {
    hint = __('Every endpoint of the SparkMagic config has an entry.');
  }
  return (
    <>
      <ObjectField {...props} uiSchema={uiSchema} />
      <div className="jp-LivyCapacity-addEndpoint" data-testid="add-endpoint">
        <label htmlFor={id} className="jp-FormGroup-fieldLabel">
          {__('Add an endpoint of the SparkMagic config')}
        </label>
        {hint && <p>{hint}</p>}
        {missing.length > 0 && (
          <div>
            <select
              id={id}
              className="jp-mod-styled"
              value={selected}
              onChange={event => setChoice(event.target.value)}
            >
              {missing.map(c => (
                <option key={c.url} value={c.url}>
                  {c.kernels.length
                    ? __('%1 (%2)', c.url, c.kernels.join(', '))
                    : c.url}
                </option>
              ))}
            </select>
            <button
              type="button"
              className="jp-mod-styled jp-mod-accept"
              onClick={add}
            >
              {__('Add endpoint')}
            </button>
          </div>
        )}
        <p role="status" className="jp-LivyCapacity-added">
          {added && added in entries
            ? __('Added %1: give its cluster kind and size above.', added)
            : ''}
        </p>
      </div>
    </>
  );
}
