/** JSON shapes of the server extension's routes (docs/rest-api.md). */

export interface IProblemJSON {
  field: string;
  message: string;
}

export interface ISessionSettings {
  driverMemory: string | null;
  executorMemory: string | null;
  executorCores: number | null;
  numExecutors: number | null;
  dynamicAllocation: Record<string, string>;
  maxExecutorsUnset: boolean;
  properties: Record<string, unknown>;
}

export interface IEndpoint {
  id: string;
  url: string | null;
  kernels: string[];
  auth: string;
  username: string | null;
  hasPassword: boolean;
  customHeaderNames: string[];
  verifySsl: boolean;
  sessionSettings: ISessionSettings;
  errors: IProblemJSON[];
  warnings: IProblemJSON[];
}

export type ConfigStatus =
  'ok' | 'missing' | 'empty' | 'invalid_json' | 'unreadable' | 'not_object';

export interface IEndpointsDocument {
  config: {
    path: string;
    status: ConfigStatus;
    message: string | null;
    line: number | null;
    column: number | null;
    problems: IProblemJSON[];
  };
  endpoints: IEndpoint[];
}

export interface IUsage {
  source: 'spark-rest' | 'yarn' | 'spark-master' | 'unknown';
  executors: number | null;
  cores: number | null;
  memoryMiB: number | null;
  /** YARN's pending container requests: executors the session asked for and waits for. */
  waitingExecutors?: number | null;
  error: string | null;
}

export interface ICaps {
  maxExecutors: number | null;
  minExecutors: number | null;
  dynamicAllocation: boolean | null;
  numExecutors: number | null;
  executorCores: number | null;
  executorMemory: string | null;
}

export interface ILivySession {
  /** Unique per endpoint: "session-3", "batch-0". */
  key: string;
  /** Interactive sessions can belong to a notebook; batches hold executors too. */
  type: 'session' | 'batch';
  id: number;
  name: string | null;
  appId: string | null;
  state: string;
  kind: string | null;
  owner: string | null;
  proxyUser: string | null;
  startedAt: string | null;
  startedAtSource: string;
  idleSince: string | null;
  usage: IUsage;
  caps: ICaps;
  sparkUiUrl: string | null;
  driverLogUrl: string | null;
  notebook: { path: string; name: string; kernelId: string } | null;
}

export interface ILiveCluster {
  source: 'spark-master' | 'yarn';
  url: string;
  totalCores?: number | null;
  usedCores?: number | null;
  totalMemoryMiB?: number | null;
  usedMemoryMiB?: number | null;
  maxExecutors?: number | null;
  error: string | null;
}

export interface IStarvation {
  episode: number;
  since: string;
  /** Row keys, e.g. "session-3". */
  holder: string;
  waiting: string[];
  held: number;
  clusterExecutors: number;
  share: number;
}

export interface ISessionsSnapshot {
  endpoint: string;
  fetchedAt: string;
  lastSuccessAt: string | null;
  stale: boolean;
  error: { kind: string; message: string; at: string } | null;
  livyVersion: string | null;
  cluster: ILiveCluster | null;
  clusterExecutors: number | null;
  starvation: IStarvation | null;
  sessions: ILivySession[];
  /** Incomplete data the user should know about, e.g. Livy paging truncated. */
  warnings?: string[];
  /** What the platform told the server (Glue, the ResourceManager), merged under the settings. */
  discovery?: IDiscovery;
}

export interface IDiscovery {
  /** The endpoint details in effect: the user's settings win over what was discovered. */
  details: Record<string, unknown>;
  /** Where each part came from, e.g. {capacity: "Glue: G.1X × 10 workers, from GetDevEndpoints (…)"}. */
  sources: Record<string, string>;
  glue: { state: string; error?: { kind: string; message: string } } | null;
  resourceManager: { state: string; message?: string } | null;
}

export interface ICapPreview {
  path: string;
  sha256: string;
  key: string;
  before: string | null;
  after: string;
  backup: string;
}

/** GET /livy-capacity/history: columnar, every per-sample list aligned with samples.at. */
export interface IHistoryHolder {
  label: string;
  type: 'session' | 'batch' | 'other';
  name: string | null;
  notebook: string | null;
  owner: string | null;
  executors: number[];
  waiting: number[];
  /** Sample indices where it waited to start. */
  starting: number[];
  executorHours: number;
  gibHours: number;
  memoryUnknown: boolean;
}

export interface IHistoryTotal {
  /** "notebook:<path>", "owner:<name>" or "holder:<key>". */
  key: string;
  label: string;
  notebook: string | null;
  owner: string | null;
  holders: string[];
  executorHours: number;
  gibHours: number;
  memoryUnknown: boolean;
}

export interface IHistoryReport {
  endpoint: string;
  window: { from: string; to: string; minutes: number };
  maxGapSeconds: number;
  minIntervalSeconds: number;
  samples: {
    at: string[];
    seconds: number[];
    clusterExecutors: (number | null)[];
  };
  holders: Record<string, IHistoryHolder>;
  totals: IHistoryTotal[];
}
