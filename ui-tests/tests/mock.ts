/**
 * Simulated answers of the server extension's routes (docs/rest-api.md), so each panel state can
 * be shown without a cluster: the browser gets them through page.route.
 */
export const LIVY = 'http://livy.example:8998';

export function endpointsDocument(config: Record<string, unknown> = {}): any {
  return {
    config: {
      path: '/home/analyst/.sparkmagic/config.json',
      status: 'ok',
      message: null,
      line: null,
      column: null,
      problems: [],
      ...config
    },
    endpoints: [
      {
        id: LIVY,
        url: LIVY,
        kernels: ['python', 'scala'],
        auth: 'Basic_Access',
        username: 'analyst',
        hasPassword: true,
        customHeaderNames: [],
        verifySsl: true,
        sessionSettings: {
          driverMemory: '1000M',
          executorMemory: null,
          executorCores: 2,
          numExecutors: null,
          dynamicAllocation: { 'spark.dynamicAllocation.enabled': 'true' },
          maxExecutorsUnset: true,
          properties: {}
        },
        errors: [],
        warnings: []
      }
    ]
  };
}

const ago = (s: number) => new Date(Date.now() - s * 1000).toISOString();

export function livySession(
  type: 'session' | 'batch',
  id: number,
  executors: number | null,
  extra: Record<string, any> = {}
): any {
  return {
    key: `${type}-${id}`,
    type,
    id,
    name: null,
    appId: `application_1764000000000_${String(id).padStart(4, '0')}`,
    state: 'busy',
    kind: 'pyspark',
    owner: null,
    proxyUser: null,
    startedAt: ago(60 * (id + 3)),
    startedAtSource: 'yarn',
    idleSince: null,
    usage: {
      source: 'yarn',
      executors,
      cores: executors === null ? null : executors * 4,
      memoryMiB: executors === null ? null : executors * 5120,
      waitingExecutors: null,
      error: null
    },
    caps: {
      maxExecutors: null,
      minExecutors: 0,
      dynamicAllocation: true,
      numExecutors: null,
      executorCores: 4,
      executorMemory: '5g'
    },
    sparkUiUrl: `http://rm.example:8088/proxy/application_1764000000000_${id}/`,
    driverLogUrl: null,
    notebook: null,
    ...extra
  };
}

/** A GET /livy-capacity/history answer over a 60-minute window of 5 s samples. */
export function historyDocument(
  from: number,
  to: number,
  samples: { at: string[]; seconds: number[]; clusterExecutors: number[] },
  holders: Record<string, any>,
  totals: any[]
): any {
  return {
    endpoint: LIVY,
    window: {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      minutes: 60
    },
    maxGapSeconds: 120,
    minIntervalSeconds: 5,
    samples,
    holders,
    totals
  };
}

/** Five holders on a 9-executor cluster: ours, others, a named batch, one waiting. */
export function busySessions(): any[] {
  return [
    livySession('session', 3, 4, {
      notebook: {
        path: 'analysis/quarterly-revenue-by-region-and-product-line.ipynb',
        name: 'quarterly-revenue-by-region-and-product-line.ipynb',
        kernelId: 'k1'
      },
      state: 'busy'
    }),
    livySession('session', 5, 2, {
      notebook: { path: 'etl.ipynb', name: 'etl.ipynb', kernelId: 'k2' },
      state: 'idle',
      idleSince: ago(40 * 60),
      caps: { ...livySession('session', 0, 0).caps, maxExecutors: 3 }
    }),
    livySession('batch', 4, 2, {
      name: 'nightly-aggregation',
      proxyUser: 'svc-etl'
    }),
    livySession('session', 8, 1, { owner: 'bob', state: 'idle' }),
    livySession('session', 9, 0, {
      owner: 'carol',
      state: 'starting',
      usage: { ...livySession('session', 9, 0).usage, waitingExecutors: 2 }
    })
  ];
}

export function snapshot(extra: Record<string, any> = {}): any {
  const now = new Date().toISOString();
  return {
    endpoint: LIVY,
    fetchedAt: now,
    lastSuccessAt: now,
    stale: false,
    error: null,
    livyVersion: '0.8.0-incubating',
    cluster: null,
    clusterExecutors: 9,
    starvation: null,
    sessions: busySessions(),
    ...extra
  };
}

/** Serves the routes; `sessions` and `endpoints` may be functions, or null to never answer. */
export async function mockServer(
  page: any,
  routes: { endpoints?: any; sessions?: any }
): Promise<void> {
  await page.route(/\/livy-capacity\/endpoints/, async (route: any) => {
    const body =
      typeof routes.endpoints === 'function'
        ? routes.endpoints()
        : routes.endpoints;
    if (body === null) {
      return; // never answers: the loading state
    }
    await route.fulfill({ json: body ?? endpointsDocument() });
  });
  await page.route(/\/livy-capacity\/sessions/, async (route: any) => {
    if (route.request().method() !== 'GET') {
      return route.fulfill({ json: { deleted: true } });
    }
    const body =
      typeof routes.sessions === 'function'
        ? routes.sessions()
        : routes.sessions;
    if (body === null) {
      return;
    }
    await route.fulfill({ json: body ?? snapshot() });
  });
}
