import { expect, galata, test } from '@jupyterlab/galata';
import * as path from 'path';

import { widenSidebar } from './helpers';

// Set by ui-tests/run.sh, which starts the real local cluster for these tests.
const LIVY = process.env.LIVY_URL as string;
const MASTER = process.env.SPARK_MASTER_WEB_URL as string;
const JOB = `${process.env.LIVY_CAPACITY_JOBS_DIR}/hold_executors.py`;
const PLUGIN = 'jupyterlab-livy-capacity:plugin';

async function submitBatch(name: string, partitions: number, seconds: number, conf: Record<string, string>): Promise<number> {
  const response = await fetch(`${LIVY}/batches`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      file: JOB,
      name,
      args: [String(partitions), String(seconds)],
      executorCores: 1,
      executorMemory: '512m',
      driverMemory: '512m',
      conf: { 'spark.dynamicAllocation.enabled': 'true', 'spark.dynamicAllocation.shuffleTracking.enabled': 'true', ...conf }
    })
  });
  return (await response.json()).id;
}

async function deleteBatch(id: number): Promise<void> {
  await fetch(`${LIVY}/batches/${id}`, { method: 'DELETE', headers: { 'X-Requested-By': 'ui-tests' } });
}

async function liveBatchIds(): Promise<number[]> {
  const data = await (await fetch(`${LIVY}/batches`)).json();
  return data.sessions.filter((s: any) => !['dead', 'killed', 'success', 'error'].includes(s.state)).map((s: any) => s.id);
}

async function openPanelOnLiveCluster(page: any): Promise<any> {
  await page.evaluate(
    async ([plugin, livy, master]: string[]) => {
      const registry: any = await (window as any).galata.getPlugin('@jupyterlab/apputils-extension:settings');
      await registry.set(plugin, 'refreshInterval', 2);
      await registry.set(plugin, 'endpoints', {
        [livy]: {
          clusterKind: 'custom',
          custom: { executors: 6, executorMemoryGiB: 0.5, executorCores: 1, driverMemoryGiB: 0.5 },
          sparkMasterUrl: master
        }
      });
      await (window as any).jupyterapp.commands.execute('livy-capacity:open');
    },
    [PLUGIN, LIVY, MASTER]
  );
  return page.locator(`#livy-capacity-panel [data-testid="endpoint-card"][data-endpoint="${LIVY}"]`);
}

test.describe('Live holders on the real local cluster', () => {
  test('a batch appears with the executors Spark grants; kill it from the panel', async ({ page }) => {
    const id = await submitBatch('ui-capped-2', 4, 180, {
      'spark.dynamicAllocation.minExecutors': '0',
      'spark.dynamicAllocation.maxExecutors': '2'
    });
    try {
      const card = await openPanelOnLiveCluster(page);
      const row = card.locator(`[data-livy-key="batch-${id}"]`);
      await expect(row.getByTestId('executors')).toHaveText(/^2/, { timeout: 120000 });
      await expect(row).toContainText('running');
      await expect(card.getByTestId('capacity-bar')).toBeVisible();
      await widenSidebar(page);
      await card.screenshot({ path: path.join(__dirname, '..', '..', 'docs', 'screenshot-live.png') });

      await row.getByTestId('kill').click();
      const dialog = page.locator('.jp-Dialog');
      await expect(dialog).toContainText(`Kill Livy batch ${id}?`);
      await expect(dialog).toContainText('not one of your notebooks');
      await dialog.getByRole('button', { name: 'Kill' }).click();
      await expect(row).toHaveCount(0, { timeout: 30000 });
      expect(await liveBatchIds()).not.toContain(id);
    } finally {
      await deleteBatch(id);
    }
  });

  test('starvation raises one notification; the %%configure snippet is offered', async ({ page }) => {
    const grabber = await submitBatch('ui-grabber', 12, 180, { 'spark.dynamicAllocation.minExecutors': '0' });
    let late: number | null = null;
    try {
      const card = await openPanelOnLiveCluster(page);
      await expect(card.locator(`[data-livy-key="batch-${grabber}"]`).getByTestId('executors')).toHaveText(/^6/, {
        timeout: 150000
      });
      late = await submitBatch('ui-late', 2, 60, { 'spark.dynamicAllocation.minExecutors': '0' });
      const toast = page.locator('.Toastify__toast').filter({ hasText: 'Spark starvation' });
      await expect(toast).toHaveCount(1, { timeout: 120000 });
      await expect(toast).toContainText('holds 6 of 6 executors');
      await expect(card.getByTestId('starvation')).toBeVisible();
      await page.waitForTimeout(5000); // more polls of the same episode: still one notification
      await expect(toast).toHaveCount(1);

      await toast.getByRole('button', { name: 'See recommendation' }).click();
      const recommendation = card.getByTestId('recommendation');
      await expect(recommendation).toHaveAttribute('open', '');
      await expect(recommendation.getByTestId('snippet')).toHaveText(
        '%%configure -f\n{"conf":{"spark.dynamicAllocation.maxExecutors":"3"}}'
      );
      await recommendation.getByTestId('copy-snippet').click();
      await expect(page.locator('.Toastify__toast').filter({ hasText: 'Copied the %%configure cell' })).toBeVisible();
    } finally {
      await deleteBatch(grabber);
      if (late !== null) {
        await deleteBatch(late);
      }
    }
  });
});
