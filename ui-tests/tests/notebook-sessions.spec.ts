import { expect, test } from '@jupyterlab/galata';

import { openPanelOnLiveCluster, shoot } from './helpers';

// Two real notebooks with SparkMagic's PySpark kernel on the local cluster (Livy on YARN): one
// takes every executor, the other starts and waits; the panel names the holder, the waiting
// notebook once its kernel can answer, and the kill ends the holder's session.
const HOLDER = '/Untitled.ipynb';
const WAITER = '/Untitled1.ipynb';
const GRAB = [
  'import time',
  'sc.parallelize(range(6), 6).map(lambda x: time.sleep(150) or x).count()'
].join('\n');

/** Runs the active notebook's cell without waiting for it (its kernel keeps working). */
async function startCell(
  page: any,
  index: number,
  source: string
): Promise<void> {
  await page.notebook.setCell(index, 'code', source);
  await page.notebook.selectCells(index);
  await page.keyboard.press('Control+Enter');
}

// The server reads the endpoint details (cluster size, ResourceManager) from the user's settings
// itself: these tests save them as the Settings Editor does, not in Galata's in-memory mock.
test.use({ mockSettings: false });

test.describe('SparkMagic notebooks holding real Livy sessions', () => {
  test('the holder and the waiting notebook are named; kill ends the holder', async ({
    page
  }) => {
    test.setTimeout(600 * 1000); // two Livy sessions start on YARN (about a minute each here)
    // Galata names new notebooks Untitled.ipynb, Untitled1.ipynb (the Jupyter session's path).
    await page.notebook.createNew(undefined, { kernel: 'pysparkkernel' });
    await page.notebook.setCell(0, 'code', 'sc.parallelize(range(1000)).sum()');
    await page.notebook.runCell(0);
    expect(await page.notebook.getCellTextOutput(0)).toEqual(
      expect.arrayContaining([expect.stringContaining('499500')])
    );
    // Kernels answer between cells: the panel learns the holder's notebook while it is idle.
    const card = await openPanelOnLiveCluster(page);
    const holder = card
      .locator('[data-livy-key^="session-"]')
      .filter({ hasText: HOLDER });
    await expect(holder).toBeVisible({ timeout: 60000 });
    await page.notebook.activate('Untitled.ipynb');
    await page.notebook.addCell('code', '');
    await startCell(page, 1, GRAB);
    await expect(holder.getByTestId('executors')).toHaveText(/^6/, {
      timeout: 180000
    });

    await page.notebook.createNew(undefined, { kernel: 'pysparkkernel' });
    await startCell(page, 0, 'sc.parallelize(range(10)).sum()');
    const toast = page
      .locator('.Toastify__toast')
      .filter({ hasText: 'Spark starvation' })
      .filter({ hasText: HOLDER }); // not an earlier test's episode still open on the server
    await expect(toast).toHaveCount(1, { timeout: 180000 });
    await expect(toast).toContainText(HOLDER);
    await expect(card.getByTestId('starvation')).toContainText(HOLDER);
    await shoot(card, 'notebooks-light', 'screenshot-live');

    await holder.getByTestId('kill').click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText(HOLDER);
    await dialog.getByRole('button', { name: 'Kill' }).click();
    await expect(holder).toHaveCount(0, { timeout: 30000 });
    // The waiting notebook gets its session once the holder's executors are free; its kernel,
    // busy while SparkMagic waited, then says whose session it is.
    await expect
      .poll(async () => (await page.notebook.getCellTextOutput(0))?.join(''), {
        timeout: 240000
      })
      .toContain('45');
    await expect(
      card.locator('[data-livy-key^="session-"]').filter({ hasText: WAITER })
    ).toBeVisible({ timeout: 60000 });
  });
});
