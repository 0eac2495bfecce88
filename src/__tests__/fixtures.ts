import { IEndpoint, ILivySession } from '../types';

/** A Livy session or batch row as the server sends it. */
export function session(
  type: 'session' | 'batch',
  id: number,
  executors: number | null,
  notebook?: string,
  extra: Partial<ILivySession> = {}
): ILivySession {
  return {
    key: `${type}-${id}`,
    type,
    id,
    name: null,
    appId: null,
    state: 'idle',
    kind: 'pyspark',
    owner: type === 'batch' ? null : 'carol',
    proxyUser: null,
    startedAt: null,
    startedAtSource: 'first-seen',
    idleSince: null,
    usage: {
      source: 'spark-master',
      executors,
      cores: executors,
      memoryMiB: executors === null ? null : executors * 512,
      error: null
    },
    caps: {
      maxExecutors: null,
      minExecutors: null,
      dynamicAllocation: null,
      numExecutors: null,
      executorCores: null,
      executorMemory: null
    },
    sparkUiUrl: null,
    driverLogUrl: null,
    notebook: notebook
      ? { path: notebook, name: notebook, kernelId: 'k' }
      : null,
    ...extra
  };
}

/** A valid SparkMagic endpoint as GET /livy-capacity/endpoints sends it. */
export function livyEndpoint(
  sessionSettings: Partial<IEndpoint['sessionSettings']> = {}
): IEndpoint {
  return {
    id: 'http://livy:8998',
    url: 'http://livy:8998',
    kernels: ['python'],
    auth: 'None',
    username: null,
    hasPassword: false,
    customHeaderNames: [],
    verifySsl: true,
    sessionSettings: {
      driverMemory: null,
      executorMemory: null,
      executorCores: null,
      numExecutors: null,
      dynamicAllocation: {},
      maxExecutorsUnset: false,
      properties: {},
      ...sessionSettings
    },
    errors: [],
    warnings: []
  };
}
