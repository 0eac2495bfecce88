import { expect, test } from '@jupyterlab/galata';
import { LIVY, openPanelOnLiveCluster, shoot } from './helpers';

const JOB = `${process.env.LIVY_CAPACITY_JOBS_DIR}/hold_executors.py`;

async function submitBatch(
  name: string,
  partitions: number,
  seconds: number,
  conf: Record<string, string>
): Promise<number> {
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
      conf: {
        'spark.dynamicAllocation.enabled': 'true',
        'spark.dynamicAllocation.shuffleTracking.enabled': 'true',
        ...conf
      }
    })
  });
  return (await response.json()).id;
}

async function deleteBatch(id: number): Promise<void> {
  await fetch(`${LIVY}/batches/${id}`, {
    method: 'DELETE',
    headers: { 'X-Requested-By': 'ui-tests' }
  });
}

async function liveBatchIds(): Promise<number[]> {
  const data = await (await fetch(`${LIVY}/batches`)).json();
  return data.sessions
    .filter(
      (s: any) => !['dead', 'killed', 'success', 'error'].includes(s.state)
    )
    .map((s: any) => s.id);
}

// The server reads the endpoint details (cluster size, ResourceManager) from the user's settings
// itself: these tests save them as the Settings Editor does, not in Galata's in-memory mock.
test.use({ mockSettings: false });

test.describe('Live holders on the real local cluster', () => {
  test('a batch appears with the executors Spark grants; kill it from the panel', async ({
    page
  }) => {
    const id = await submitBatch('ui-capped-2', 4, 180, {
      'spark.dynamicAllocation.minExecutors': '0',
      'spark.dynamicAllocation.maxExecutors': '2'
    });
    try {
      const card = await openPanelOnLiveCluster(page);
      const row = card.locator(`[data-livy-key="batch-${id}"]`);
      await expect(row.getByTestId('executors')).toHaveText(/^2/, {
        timeout: 120000
      });
      await expect(row).toContainText('running');
      await expect(card.getByTestId('capacity-bar')).toBeVisible();
      await shoot(card, 'live-light');

      await row.getByTestId('kill').click();
      const dialog = page.locator('.jp-Dialog');
      await expect(dialog).toContainText(
        `Kill ui-capped-2 (Livy batch ${id})?`
      );
      await expect(dialog).toContainText('not one of your notebooks');
      await dialog.getByRole('button', { name: 'Kill' }).click();
      await expect(row).toHaveCount(0, { timeout: 30000 });
      expect(await liveBatchIds()).not.toContain(id);
    } finally {
      await deleteBatch(id);
    }
  });

  test('starvation raises one notification; the %%configure snippet is offered', async ({
    page
  }) => {
    const grabber = await submitBatch('ui-grabber', 12, 180, {
      'spark.dynamicAllocation.minExecutors': '0'
    });
    let late: number | null = null;
    try {
      const card = await openPanelOnLiveCluster(page);
      await expect(
        card
          .locator(`[data-livy-key="batch-${grabber}"]`)
          .getByTestId('executors')
      ).toHaveText(/^6/, {
        timeout: 150000
      });
      late = await submitBatch('ui-late', 2, 60, {
        'spark.dynamicAllocation.minExecutors': '0'
      });
      const toast = page
        .locator('.Toastify__toast')
        .filter({ hasText: 'Spark starvation' });
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
      await expect(
        page
          .locator('.Toastify__toast')
          .filter({ hasText: 'Copied the %%configure cell' })
      ).toBeVisible();
    } finally {
      await deleteBatch(grabber);
      if (late !== null) {
        await deleteBatch(late);
      }
    }
  });
});
