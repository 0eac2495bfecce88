import Ajv from 'ajv';
import { readFileSync } from 'fs';
import { join } from 'path';

import { capacityFromDetails, IEndpointDetails } from '../capacity';

/** schema/plugin.json, validated the way JupyterLab's settings registry does (Ajv 8). */
const schema = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'schema', 'plugin.json'), 'utf8')
);
const validate = new Ajv({
  useDefaults: true,
  allowUnionTypes: true,
  strict: false
}).compile(schema);
const valid = (details: unknown) =>
  validate({ endpoints: { 'http://livy:8998': details } });

const custom = {
  executors: 6,
  executorMemoryGiB: 0.5,
  executorCores: 1,
  driverMemoryGiB: 0.5
};

describe('schema/plugin.json validates what capacity.ts validates', () => {
  it.each<[string, IEndpointDetails]>([
    ['glue', { clusterKind: 'glue', workerType: 'G.1X', numberOfWorkers: 10 }],
    [
      'standard',
      { clusterKind: 'glue', workerType: 'Standard', numberOfWorkers: 2 }
    ],
    ['custom', { clusterKind: 'custom', custom }],
    [
      'glue with an empty custom object (the form adds one)',
      {
        clusterKind: 'glue',
        workerType: 'G.2X',
        numberOfWorkers: 3,
        custom: {}
      }
    ],
    [
      'with a master URL',
      { clusterKind: 'custom', custom, sparkMasterUrl: 'http://127.0.0.1:8080' }
    ]
  ])('accepts %s', (_, details) => {
    expect(valid(details)).toBe(true);
    expect(capacityFromDetails(details).kind).toBe('capacity');
  });

  it('accepts an entry without details yet (the panel adds it for the Settings Editor)', () => {
    expect(valid({})).toBe(true);
    expect(capacityFromDetails({}).kind).toBe('missing');
  });

  it.each<[string, IEndpointDetails]>([
    ['an unknown kind', { clusterKind: 'emr' }],
    [
      'an unknown worker type',
      { clusterKind: 'glue', workerType: 'G.9X', numberOfWorkers: 10 }
    ],
    [
      'too few workers',
      { clusterKind: 'glue', workerType: 'G.1X', numberOfWorkers: 1 }
    ],
    [
      'a fractional worker count',
      { clusterKind: 'glue', workerType: 'G.2X', numberOfWorkers: 2.5 }
    ],
    ['glue without a count', { clusterKind: 'glue', workerType: 'G.2X' }],
    ['custom without sizes', { clusterKind: 'custom' }],
    [
      'zero executors',
      { clusterKind: 'custom', custom: { ...custom, executors: 0 } }
    ],
    [
      'fractional cores',
      { clusterKind: 'custom', custom: { ...custom, executorCores: 1.5 } }
    ],
    [
      'no memory',
      { clusterKind: 'custom', custom: { ...custom, executorMemoryGiB: 0 } }
    ],
    [
      'a URL without scheme',
      { clusterKind: 'custom', custom, sparkMasterUrl: 'master:8080' }
    ]
  ])('rejects %s, as capacity.ts does', (_, details) => {
    expect(valid(details)).toBe(false);
    expect(capacityFromDetails(details).kind).toBe('invalid');
  });

  it('gives every field a title and a description', () => {
    const fields: [string, any][] = [];
    const walk = (path: string, node: any): void => {
      if (!node) {
        return;
      }
      for (const [key, value] of Object.entries<any>(node.properties ?? {})) {
        if (value.type === undefined) {
          continue; // the clusterKind selector of a dependency branch
        }
        fields.push([`${path}.${key}`, value]);
        walk(`${path}.${key}`, value);
      }
      for (const branch of node.dependencies?.clusterKind?.oneOf ?? []) {
        walk(path, branch);
      }
    };
    walk('', schema);
    walk('endpoint', schema.definitions.endpoint);
    expect(fields.length).toBeGreaterThan(12);
    expect(
      fields.filter(([, f]) => !f.title || !f.description).map(([p]) => p)
    ).toEqual([]);
  });
});
