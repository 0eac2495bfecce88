/**
 * Browser benchmark (issue 11): what one refresh of a 500-session snapshot costs in Chromium,
 * scripting + style + layout, read from the DevTools Performance metrics around each refresh.
 * Prints figures; asserts nothing about time. Runs only with LIVY_CAPACITY_BENCHMARK=1:
 *   cd ui-tests && LIVY_CAPACITY_BENCHMARK=1 npx playwright test tests/browser-render.spec.ts
 * The snapshot goes straight into the panel's model (no Livy, no network in the measurement).
 */
import { expect, test } from '@jupyterlab/galata';

import { LIVY, livySession, snapshot } from './mock';
import { openPanel, setSetting } from './helpers';

const ROWS = 500;
const REFRESHES = 30;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

test.skip(
  process.env.LIVY_CAPACITY_BENCHMARK !== '1',
  'set LIVY_CAPACITY_BENCHMARK=1'
);

test('a 500-row refresh: scripting + rendering', async ({ page }) => {
  test.setTimeout(180000);
  await setSetting(page, 'endpoints', {
    [LIVY]: { clusterKind: 'glue', workerType: 'G.1X', numberOfWorkers: 300 }
  });
  await page.route(/\/livy-capacity\/endpoints/, (route: any) =>
    route.fulfill({
      json: {
        config: {
          path: '/c.json',
          status: 'ok',
          message: null,
          line: null,
          column: null,
          problems: []
        },
        endpoints: [
          {
            id: LIVY,
            url: LIVY,
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
              maxExecutorsUnset: true,
              properties: {}
            },
            errors: [],
            warnings: []
          }
        ]
      }
    })
  );
  await page.route(/\/livy-capacity\/sessions/, (route: any) =>
    route.fulfill({ status: 503, json: { message: 'paused' } })
  );
  const panel = await openPanel(page);
  await expect(panel.locator(`[data-endpoint="${LIVY}"]`)).toBeVisible();
  const base = snapshot({ sessions: [] });
  const sessions = Array.from({ length: ROWS }, (_, i) =>
    livySession(i % 7 ? 'session' : 'batch', i, i % 4, { owner: `user${i}` })
  );
  const raw = (page as any).page ?? page;
  const cdp = await raw.context().newCDPSession(raw);
  await cdp.send('Performance.enable');
  const metrics = async () => {
    const { metrics: m } = await cdp.send('Performance.getMetrics');
    const get = (name: string) =>
      (m.find((x: any) => x.name === name)?.value ?? 0) * 1000;
    return {
      script: get('ScriptDuration'),
      style: get('RecalcStyleDuration'),
      layout: get('LayoutDuration')
    };
  };
  await page.evaluate(
    ([snap, rows]: [any, any[]]) =>
      Object.assign(window as any, { __bench: { snap, rows } }),
    [base, sessions] as [any, any[]]
  );
  /** Puts a snapshot into the model as a poll would, then waits for the frame after it. */
  const refresh = (k: number, changed: number) =>
    page.evaluate(
      async ([url, k, changed]: [string, number, number]) => {
        const { snap, rows } = (window as any).__bench;
        const app = (window as any).jupyterapp;
        const widget = Array.from(app.shell.widgets('left')).find(
          (w: any) => w.id === 'livy-capacity-panel'
        ) as any;
        const model = widget.model;
        const sessions = rows.map((s: any, i: number) =>
          i < changed
            ? {
                ...s,
                usage: { ...s.usage, executors: (s.usage.executors + k) % 5 }
              }
            : s
        );
        model._snapshots.set(url, {
          ...snap,
          sessions,
          fetchedAt: new Date().toISOString()
        });
        model._sessionsErrors.delete(url);
        const t0 = performance.now();
        model._changed.emit(undefined);
        await new Promise(resolve =>
          requestAnimationFrame(() => setTimeout(resolve, 0))
        );
        return performance.now() - t0;
      },
      [LIVY, k, changed] as [string, number, number]
    );
  const results: string[] = [];
  for (const [label, changed] of [
    ['nothing changed', 0],
    ['10% of rows changed', ROWS / 10],
    ['every row changed', ROWS]
  ] as [string, number][]) {
    await refresh(0, 0); // first render of the 500 rows, not measured
    const work: number[] = [];
    const frame: number[] = [];
    for (let k = 1; k <= REFRESHES; k++) {
      const before = await metrics();
      frame.push(await refresh(k, changed));
      const after = await metrics();
      work.push(
        after.script -
          before.script +
          after.style -
          before.style +
          after.layout -
          before.layout
      );
    }
    if (process.env.LIVY_CAPACITY_PROFILE === '1' && changed === ROWS / 10) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.start');
      for (let k = 1; k <= 10; k++) {
        await refresh(k, changed);
      }
      const { profile } = await cdp.send('Profiler.stop');
      const self = new Map<string, number>();
      const dt = profile.timeDeltas as number[];
      const byId = new Map((profile.nodes as any[]).map(n => [n.id, n]));
      (profile.samples as number[]).forEach((id, i) => {
        const f = byId.get(id).callFrame;
        const key = `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
        self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
      });
      console.log(
        [...self.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 25)
          .map(([k, v]) => `${v.toFixed(1)} ms ${k}`)
          .join('\n')
      );
    }
    const rendered = await panel.getByTestId('session-row').count();
    results.push(
      `${label}: scripting+style+layout median ${median(work).toFixed(1)} ms (max ${Math.max(
        ...work
      ).toFixed(
        1
      )}), to next frame median ${median(frame).toFixed(1)} ms; goal <= 16 ms; ${rendered} of ${ROWS} rows in the DOM; ${REFRESHES} refreshes`
    );
  }
  console.log(
    [
      '',
      `Browser render benchmark (${ROWS} sessions, Chromium):`,
      ...results
    ].join('\n')
  );
  await page.evaluate(
    (lines: string[]) => ((window as any).__benchmark = lines),
    results
  );
});
