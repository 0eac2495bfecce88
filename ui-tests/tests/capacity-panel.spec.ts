import { expect, test } from '@jupyterlab/galata';

import { openPanel, setSetting, shoot } from './helpers';

// The fixture's SparkMagic config (ui-tests/fixtures/sparkmagic): nothing answers at this URL
// (run.sh picks a free port), and kernel_scala_credentials is invalid. The real server answers.
const ENDPOINT = process.env.DEAD_LIVY_URL as string;

test.describe('Spark Capacity panel on the real server extension', () => {
  test('shows the SparkMagic endpoint and capacity from the settings registry, live', async ({
    page
  }) => {
    const panel = await openPanel(page);
    const card = panel.locator(
      `[data-testid="endpoint-card"][data-endpoint="${ENDPOINT}"]`
    );
    await expect(card).toBeVisible();
    await expect(card).toContainText('Basic_Access (analyst)');
    await expect(card).toContainText('python');
    await expect(card.getByTestId('max-executors-unset')).toBeVisible();
    await expect(card.getByTestId('capacity-missing')).toBeVisible();
    await expect(card.getByTestId('open-settings')).toBeVisible();
    // Livy is not running at that URL: said on this endpoint, with no figures; nothing else breaks.
    await expect(card.getByTestId('livy-error')).toContainText(ENDPOINT, {
      timeout: 30000
    });
    await expect(card.getByTestId('capacity-bar')).toHaveCount(0);
    // The invalid entry breaks only its own card; the password never reaches the browser.
    const invalid = panel.locator(
      '[data-testid="endpoint-card"][data-endpoint="kernel_scala_credentials"]'
    );
    await expect(invalid).toContainText('kernel_scala_credentials.url');
    await expect(panel).not.toContainText('never-shown-in-the-browser');

    await setSetting(page, 'endpoints', {
      [ENDPOINT]: {
        clusterKind: 'glue',
        workerType: 'G.1X',
        numberOfWorkers: 10
      }
    });
    await expect(card.getByTestId('capacity-executors')).toHaveText('9');
    await expect(card.getByTestId('capacity-memory')).toContainText(
      '90 GiB total'
    );

    // A change applies to the open panel at once, without reload.
    await setSetting(page, 'endpoints', {
      [ENDPOINT]: {
        clusterKind: 'glue',
        workerType: 'G.1X',
        numberOfWorkers: 5
      }
    });
    await expect(card.getByTestId('capacity-executors')).toHaveText('4');
    await expect(card.getByTestId('capacity-memory')).toContainText(
      '40 GiB total'
    );

    // The schema refuses what capacity.ts refuses: the last valid details stay.
    for (const bad of [
      { clusterKind: 'glue', workerType: 'G.9X', numberOfWorkers: 5 },
      { clusterKind: 'glue', workerType: 'G.1X', numberOfWorkers: 1 },
      { clusterKind: 'custom' }
    ]) {
      await expect(
        setSetting(page, 'endpoints', { [ENDPOINT]: bad })
      ).rejects.toThrow();
    }
    await expect(card.getByTestId('capacity-executors')).toHaveText('4');
    await shoot(panel, 'real-server-light');
  });

  test('"Enter endpoint details" opens the Settings Editor with the URL filled in', async ({
    page
  }) => {
    await setSetting(page, 'endpoints', {});
    const panel = await openPanel(page);
    const card = panel.locator(
      `[data-testid="endpoint-card"][data-endpoint="${ENDPOINT}"]`
    );
    await card.getByTestId('open-settings').click();
    const editor = page.getByRole('tabpanel', { name: 'Settings' });
    await expect(editor.getByRole('textbox').first()).toHaveValue(ENDPOINT, {
      timeout: 20000
    });
    // Kinds and worker types are dropdowns. (JupyterLab's form does not resolve conditional
    // subschemas inside an additionalProperties map, so the Glue and custom fields are always
    // shown, titled with the kind they belong to; the schema still requires them per kind.)
    await editor.getByRole('combobox').first().selectOption('glue');
    const workerType = editor.locator('select', {
      has: page.locator('option', { hasText: 'G.1X' })
    });
    await workerType.selectOption('G.2X');
    await editor.getByRole('spinbutton').first().fill('4');
    await expect(
      panel
        .locator(`[data-endpoint="${ENDPOINT}"]`)
        .getByTestId('capacity-executors')
    ).toHaveText('3', { timeout: 20000 });
    await workerType.scrollIntoViewIfNeeded();
    await shoot(page, 'settings-editor');
  });

  test('the palette check answers per endpoint', async ({ page }) => {
    await setSetting(page, 'endpoints', {
      [ENDPOINT]: {
        clusterKind: 'glue',
        workerType: 'G.2X',
        numberOfWorkers: 4
      }
    });
    // Not awaited inside the page: the command resolves only when the dialog closes.
    await page.evaluate(() => {
      void (window as any).jupyterapp.commands.execute('livy-capacity:check');
    });
    const dialog = page.getByTestId('capacity-check');
    await expect(dialog).toContainText(ENDPOINT);
    await expect(dialog).toContainText(
      'Capacity: 3 executors, 60 GiB executor memory, 48 cores'
    );
    await expect(dialog).toContainText('maxExecutors is unset');
    await expect(dialog).toContainText('kernel_scala_credentials.url');
    await page.getByRole('button', { name: 'Close' }).click();
    await expect(dialog).toHaveCount(0);
  });
});
