import { expect, test } from '@jupyterlab/galata';

import {
  busySessions,
  historyDocument,
  LIVY,
  mockServer,
  snapshot
} from './mock';
import { openPanel, setSetting, shoot } from './helpers';

const GLUE = {
  [LIVY]: { clusterKind: 'glue', workerType: 'G.1X', numberOfWorkers: 10 }
};

/** An hour of 5 s samples: a notebook ramps up and holds most executors while a batch waits. */
function historyReport(): any {
  const to = Date.now();
  const from = to - 60 * 60 * 1000;
  const count = 60 * 12;
  const at = Array.from({ length: count }, (_, i) =>
    new Date(from + i * 5000).toISOString()
  );
  const series = (f: (minute: number) => number) =>
    at.map((_, i) => f(Math.floor(i / 12)));
  const holder = (label: string, executors: number[], extra: any = {}) => ({
    label,
    type: 'session',
    name: null,
    notebook: label.endsWith('.ipynb') ? label : null,
    owner: null,
    executors,
    waiting: executors.map(() => 0),
    starting: [],
    executorHours: executors.reduce((a, b) => a + b, 0) / 720,
    gibHours: executors.reduce((a, b) => a + b, 0) / 720,
    memoryUnknown: false,
    ...extra
  });
  const quarterly = series(m => (m < 10 ? 0 : m < 20 ? 3 : 6));
  const etl = series(m => (m < 40 ? 2 : 1));
  const batch = series(m => (m >= 45 ? 2 : 0));
  const holders: Record<string, any> = {
    'session-3': holder(
      'analysis/quarterly-revenue-by-region-and-product-line.ipynb',
      quarterly
    ),
    'session-5': holder('etl.ipynb', etl),
    'batch-4': holder('nightly-aggregation (svc-etl)', batch, {
      type: 'batch',
      owner: 'svc-etl',
      waiting: series(m => (m >= 30 && m < 45 ? 3 : 0))
    })
  };
  return historyDocument(
    from,
    to,
    { at, seconds: at.map(() => 5), clusterExecutors: at.map(() => 9) },
    holders,
    Object.entries(holders).map(([key, h]) => ({
      key: h.notebook ? `notebook:${h.notebook}` : `owner:${h.owner}`,
      label: h.notebook ?? h.owner,
      notebook: h.notebook,
      owner: h.owner,
      holders: [key],
      executorHours: h.executorHours,
      gibHours: h.gibHours,
      memoryUnknown: false
    }))
  );
}

test.describe('Executor history and Spark in JupyterLab’s own places', () => {
  test.beforeEach(async ({ page }) => {
    await setSetting(page, 'endpoints', GLUE);
  });

  test('the history chart, its totals and the CSV export', async ({ page }) => {
    await mockServer(page, {});
    let historyReads = 0;
    await page.route(/\/livy-capacity\/history/, async (route: any) => {
      historyReads++;
      await route.fulfill({ json: historyReport() });
    });
    await page.reload();
    const panel = await openPanel(page);
    const card = panel.getByTestId('endpoint-card').first();
    await expect(card).toBeVisible();
    expect(historyReads).toBe(0); // closed: not read
    await card.getByTestId('history').locator('summary').click();
    const chart = card.getByTestId('history-chart');
    await expect(chart).toBeVisible();
    expect(historyReads).toBeGreaterThan(0);
    await expect(chart.locator('path.jp-LivyCapacity-series')).toHaveCount(3);
    await expect(chart.locator('.jp-LivyCapacity-capacityLine')).toHaveCount(1);
    await expect(chart.locator('.jp-LivyCapacity-waitingArea')).toHaveCount(1);

    // Hover names the holder under the pointer: the middle of the notebook's layer.
    await chart.locator('path[data-holder="session-3"]').hover();
    await expect(chart.locator('figcaption')).toContainText(
      'quarterly-revenue'
    );
    await expect(card.getByTestId('history-totals')).toContainText('etl.ipynb');
    await card.getByTestId('history').scrollIntoViewIfNeeded();
    await card.getByTestId('history').screenshot({
      path: 'test-results/screenshots/history-chart.png'
    });

    const download = page.waitForEvent('download');
    await card.getByTestId('export-history').click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^livy-capacity-history-.*\.csv$/);
  });

  test('the Running sidebar section and the status-bar item', async ({
    page
  }) => {
    await page.notebook.createNew('spark.ipynb');
    const kernelId: string = await page.evaluate(async () => {
      const widget: any = (window as any).jupyterapp.shell.currentWidget;
      await widget.sessionContext.ready;
      return widget.sessionContext.session.kernel.id;
    });
    const sessions = busySessions();
    // This notebook's kernel holds 8 of the 9 executors while carol's session waits.
    sessions[0] = {
      ...sessions[0],
      usage: { ...sessions[0].usage, executors: 8 },
      notebook: { path: 'spark.ipynb', name: 'spark.ipynb', kernelId }
    };
    await mockServer(page, {
      sessions: () =>
        snapshot({
          sessions,
          starvation: {
            episode: 1,
            since: new Date().toISOString(),
            holder: 'session-3',
            waiting: ['session-9'],
            held: 8,
            clusterExecutors: 9,
            share: 0.89
          }
        })
    });
    await page.evaluate(() =>
      (window as any).jupyterapp.commands.execute('livy-capacity:refresh')
    );

    const status = page.getByTestId('spark-status');
    await expect(status).toHaveText('Spark 8/9');
    await expect(status).toHaveAttribute('data-warn', 'holder');
    await page
      .locator('#jp-main-statusbar')
      .screenshot({ path: 'test-results/screenshots/status-item.png' });

    await page.sidebar.openTab('jp-running-sessions');
    const section = page.getByRole('region', { name: 'Livy sessions Section' });
    await expect(section).toContainText('spark.ipynb');
    await expect(section).toContainText('etl.ipynb');
    await expect(section).toContainText('8/9');
    await shoot(section, 'running-section');

    // Shut down asks with the panel's own dialog.
    const item = section.locator('.jp-RunningSessions-item', {
      hasText: 'spark.ipynb'
    });
    await item.hover();
    await item.getByTitle('Kill Livy session').click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('Kill spark.ipynb');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toHaveCount(0);

    await status.click();
    await expect(page.locator('#livy-capacity-panel')).toBeVisible();
  });
});
