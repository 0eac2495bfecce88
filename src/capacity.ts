/**
 * Cluster capacity maths. Pure: no JupyterLab imports, so it tests in isolation and is usable
 * from `lib/capacity.js` by anyone.
 *
 * Glue dev endpoints (AWS "How AWS Glue Development Endpoints Work with SageMaker Notebooks"):
 * Standard counts DPUs, max executors (DPU − 1) × 2 − 1, 5G / 4 cores, 5G driver;
 * G.1X counts workers, max executors workers − 1, 10G / 8 cores, 10G driver;
 * G.2X counts workers, max executors workers − 1, 20G / 16 cores, 20G driver.
 */

export interface ICapacity {
  maxExecutors: number;
  executorMemoryGiB: number;
  executorCores: number;
  driverMemoryGiB: number;
  totalExecutorMemoryGiB: number;
  totalExecutorCores: number;
}

interface IWorkerType {
  executorMemoryGiB: number;
  executorCores: number;
  driverMemoryGiB: number;
  /** What `count` measures for this type, for messages. */
  unit: 'DPUs' | 'workers';
  maxExecutors: (count: number) => number;
}

export const GLUE_WORKER_TYPES: Record<string, IWorkerType> = {
  Standard: {
    executorMemoryGiB: 5,
    executorCores: 4,
    driverMemoryGiB: 5,
    unit: 'DPUs',
    maxExecutors: dpus => (dpus - 1) * 2 - 1
  },
  'G.1X': {
    executorMemoryGiB: 10,
    executorCores: 8,
    driverMemoryGiB: 10,
    unit: 'workers',
    maxExecutors: workers => workers - 1
  },
  'G.2X': {
    executorMemoryGiB: 20,
    executorCores: 16,
    driverMemoryGiB: 20,
    unit: 'workers',
    maxExecutors: workers => workers - 1
  }
};

/** The smallest Glue dev endpoint: 2 workers (or DPUs); schema/plugin.json says the same. */
export const MIN_GLUE_COUNT = 2;

function glueType(workerType: string): IWorkerType {
  const type = Object.prototype.hasOwnProperty.call(
    GLUE_WORKER_TYPES,
    workerType
  )
    ? GLUE_WORKER_TYPES[workerType]
    : undefined;
  if (!type) {
    throw new Error(
      `workerType "${workerType}" is not a Glue dev endpoint worker type; use one of ${Object.keys(
        GLUE_WORKER_TYPES
      ).join(', ')}`
    );
  }
  return type;
}

/**
 * Workers (DPUs for Standard) a Glue dev endpoint needs so that `users` sessions get
 * `executorsPerUser` executors each. AWS's sizing: users × (executors + 1) slots (one per
 * session for its driver), that is the smallest count whose max executors reach slots − 1.
 */
export function workersNeeded(
  workerType: string,
  users: number,
  executorsPerUser: number
): number {
  for (const [name, value] of [
    ['users', users],
    ['executorsPerUser', executorsPerUser]
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(
        `${name} must be a whole number of at least 1, not ${value}`
      );
    }
  }
  const type = glueType(workerType);
  const needed = users * (executorsPerUser + 1) - 1;
  let count = MIN_GLUE_COUNT;
  while (type.maxExecutors(count) < needed) {
    count++;
  }
  return count;
}

function capacity(
  maxExecutors: number,
  executorMemoryGiB: number,
  executorCores: number,
  driverMemoryGiB: number
): ICapacity {
  return {
    maxExecutors,
    executorMemoryGiB,
    executorCores,
    driverMemoryGiB,
    totalExecutorMemoryGiB: maxExecutors * executorMemoryGiB,
    totalExecutorCores: maxExecutors * executorCores
  };
}

/** Capacity of a Glue dev endpoint; throws an Error naming the bad field and accepted values. */
export function glueCapacity(workerType: string, count: number): ICapacity {
  const type = glueType(workerType);
  if (!Number.isInteger(count) || count < MIN_GLUE_COUNT) {
    throw new Error(
      `numberOfWorkers must be a whole number of ${type.unit} of at least ${MIN_GLUE_COUNT} for ${workerType}, not ${count}`
    );
  }
  return capacity(
    type.maxExecutors(count),
    type.executorMemoryGiB,
    type.executorCores,
    type.driverMemoryGiB
  );
}

export interface ICustomCluster {
  executors: number;
  executorMemoryGiB: number;
  executorCores: number;
  driverMemoryGiB: number;
}

/** Capacity of a cluster sized by hand; throws an Error naming the bad field. */
export function customCapacity(cluster: ICustomCluster): ICapacity {
  const rules: [keyof ICustomCluster, boolean, string][] = [
    [
      'executors',
      Number.isInteger(cluster.executors) && cluster.executors >= 1,
      'a whole number of at least 1'
    ],
    [
      'executorCores',
      Number.isInteger(cluster.executorCores) && cluster.executorCores >= 1,
      'a whole number of at least 1'
    ],
    [
      'executorMemoryGiB',
      isPositive(cluster.executorMemoryGiB),
      'a number of GiB above 0'
    ],
    [
      'driverMemoryGiB',
      isPositive(cluster.driverMemoryGiB),
      'a number of GiB above 0'
    ]
  ];
  for (const [field, ok, accepted] of rules) {
    if (!ok) {
      throw new Error(
        `custom.${field} must be ${accepted}, not ${cluster[field]}`
      );
    }
  }
  return capacity(
    cluster.executors,
    cluster.executorMemoryGiB,
    cluster.executorCores,
    cluster.driverMemoryGiB
  );
}

function isPositive(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

/** Endpoint details as entered in the Settings Editor (schema/plugin.json). */
export interface IEndpointDetails {
  clusterKind?: string;
  workerType?: string;
  numberOfWorkers?: number;
  custom?: Partial<ICustomCluster>;
  sparkMasterUrl?: string;
  yarnResourceManagerUrl?: string;
  glueDevEndpointName?: string;
  awsRegion?: string;
}

export interface IProblem {
  field: string;
  message: string;
}

export type CapacityResult =
  | { kind: 'capacity'; capacity: ICapacity }
  | { kind: 'missing' }
  | { kind: 'invalid'; problems: IProblem[] };

/** The capacity an endpoint's settings entry describes, or what is missing or wrong in it. */
export function capacityFromDetails(
  details: IEndpointDetails | undefined
): CapacityResult {
  if (!details || !details.clusterKind) {
    return { kind: 'missing' };
  }
  const problems: IProblem[] = [];
  for (const field of ['sparkMasterUrl', 'yarnResourceManagerUrl'] as const) {
    const url = details[field];
    if (url && !/^https?:\/\/[^/\s]+/.test(url)) {
      problems.push({
        field,
        message: `${field} must be an http:// or https:// URL, not "${url}"`
      });
    }
  }
  try {
    let result: ICapacity;
    if (details.clusterKind === 'glue') {
      result = glueCapacity(
        details.workerType ?? '',
        details.numberOfWorkers ?? NaN
      );
    } else if (details.clusterKind === 'custom') {
      const custom = details.custom ?? {};
      result = customCapacity({
        executors: custom.executors ?? NaN,
        executorMemoryGiB: custom.executorMemoryGiB ?? NaN,
        executorCores: custom.executorCores ?? NaN,
        driverMemoryGiB: custom.driverMemoryGiB ?? NaN
      });
    } else {
      throw new Error(
        `clusterKind must be "glue" or "custom", not "${details.clusterKind}"`
      );
    }
    return problems.length
      ? { kind: 'invalid', problems }
      : { kind: 'capacity', capacity: result };
  } catch (error) {
    const message = (error as Error).message;
    problems.unshift({ field: message.split(/[ .]/)[0], message });
    return { kind: 'invalid', problems };
  }
}
