import { expect, galata, test } from '@jupyterlab/galata';
import * as path from 'path';

import { widenSidebar } from './helpers';

const ENDPOINT = 'http://127.0.0.1:18999';
const PLUGIN = 'jupyterlab-livy-capacity:plugin';

/** Sets this plugin's `endpoints` through JupyterLab's own settings registry (as the Settings Editor does). */
async function setEndpointDetails(page: any, details: Record<string, unknown>): Promise<void> {
  await page.evaluate(
    async ([plugin, value]: [string, Record<string, unknown>]) => {
      const registry: any = await (window as any).galata.getPlugin('@jupyterlab/apputils-extension:settings');
      await registry.set(plugin, 'endpoints', value);
    },
    [PLUGIN, details]
  );
}

test.describe('Spark Capacity panel', () => {
  test('shows the SparkMagic endpoint and capacity from the settings registry, live', async ({ page }) => {
    await page.evaluate(() => (window as any).jupyterapp.commands.execute('livy-capacity:open'));
    const panel = page.locator('#livy-capacity-panel');
    await expect(panel).toBeVisible();

    const card = panel.locator(`[data-testid="endpoint-card"][data-endpoint="${ENDPOINT}"]`);
    await expect(card).toBeVisible();
    await expect(card).toContainText('Basic_Access (analyst)');
    await expect(card).toContainText('python');
    await expect(card.getByTestId('max-executors-unset')).toBeVisible();
    await expect(card.getByTestId('capacity-missing')).toBeVisible();
    await expect(card.getByTestId('open-settings')).toBeVisible();
    // Livy is not running at that URL: said on this endpoint, nothing else breaks.
    await expect(card.getByTestId('livy-error')).toContainText(ENDPOINT, { timeout: 30000 });
    // The invalid entry breaks only its own card; the password never reaches the browser.
    const invalid = panel.locator('[data-testid="endpoint-card"][data-endpoint="kernel_scala_credentials"]');
    await expect(invalid).toContainText('kernel_scala_credentials.url');
    await expect(panel).not.toContainText('never-shown-in-the-browser');

    await setEndpointDetails(page, { [ENDPOINT]: { clusterKind: 'glue', workerType: 'G.1X', numberOfWorkers: 10 } });
    await expect(card.getByTestId('capacity-executors')).toHaveText('9');
    await expect(card.getByTestId('capacity-memory')).toContainText('90 GiB total');

    // A change applies to the open panel at once, without reload.
    await setEndpointDetails(page, { [ENDPOINT]: { clusterKind: 'glue', workerType: 'G.1X', numberOfWorkers: 5 } });
    await expect(card.getByTestId('capacity-executors')).toHaveText('4');
    await expect(card.getByTestId('capacity-memory')).toContainText('40 GiB total');

    // Invalid values are reported in the panel, not swallowed.
    await setEndpointDetails(page, { [ENDPOINT]: { clusterKind: 'glue', workerType: 'G.9X', numberOfWorkers: 5 } });
    await expect(card.getByTestId('capacity-invalid')).toContainText('G.9X');

    await setEndpointDetails(page, { [ENDPOINT]: { clusterKind: 'glue', workerType: 'G.1X', numberOfWorkers: 10 } });
    await expect(card.getByTestId('capacity-executors')).toHaveText('9');
    await widenSidebar(page);
    await card.screenshot({ path: path.join(__dirname, '..', '..', 'docs', 'screenshot-panel.png') });
  });

  test('the palette check answers per endpoint', async ({ page }) => {
    await setEndpointDetails(page, { [ENDPOINT]: { clusterKind: 'glue', workerType: 'G.2X', numberOfWorkers: 4 } });
    // Not awaited inside the page: the command resolves only when the dialog closes.
    await page.evaluate(() => {
      void (window as any).jupyterapp.commands.execute('livy-capacity:check');
    });
    const dialog = page.getByTestId('capacity-check');
    await expect(dialog).toContainText(ENDPOINT);
    await expect(dialog).toContainText('Capacity: 3 executors, 60 GiB executor memory, 48 cores');
    await expect(dialog).toContainText('maxExecutors is unset');
    await expect(dialog).toContainText('kernel_scala_credentials.url');
    await page.getByRole('button', { name: 'Close' }).click();
    await expect(dialog).toHaveCount(0);
  });
});
