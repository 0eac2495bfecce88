import { expect, test } from '@jupyterlab/galata';

import { LIVY, setSetting, shoot } from './helpers';

// The UI tests' SparkMagic config (ui-tests/run.sh): the live local Livy for the PySpark kernel,
// an unreachable URL for python3 and an invalid scala entry.
const DEAD = process.env.DEAD_LIVY_URL as string;
const PLUGIN = 'jupyterlab-livy-capacity:plugin';

// Checks what the Settings Editor saved on the server, not Galata's in-memory settings mock.
test.use({ mockSettings: false });

async function savedEndpoints(page: any): Promise<Record<string, unknown>> {
  const response = await page.request.get(`/lab/api/settings/${PLUGIN}`);
  const data = await response.json();
  return data.settings?.endpoints ?? {};
}

for (const theme of ['light', 'dark'] as const) {
  test(`a new endpoint entry offers the SparkMagic config's URLs (${theme})`, async ({
    page
  }) => {
    if (theme === 'dark') {
      await page.theme.setDarkTheme();
    }
    await setSetting(page, 'endpoints', { [DEAD]: {} });
    try {
      await page.evaluate(async () => {
        await (window as any).jupyterapp.commands.execute(
          'settingeditor:open',
          {
            query: 'Spark Capacity'
          }
        );
      });
      const editor = page.getByRole('tabpanel', { name: 'Settings' });
      const add = editor.getByTestId('add-endpoint');
      const choice = add.getByRole('combobox', {
        name: 'Add an endpoint of the SparkMagic config'
      });
      // Only the URLs without an entry: the live Livy, not the unreachable one already there, and
      // no "newKey" button of the plain map editor.
      await expect(choice.locator('option')).toHaveText([`${LIVY} (python)`]);
      await expect(
        editor.getByRole('button', { name: 'Add', exact: true })
      ).toHaveCount(0);
      await add.scrollIntoViewIfNeeded();
      await shoot(page, `settings-add-endpoint-${theme}`);

      // Keyboard: the choice, then the button.
      await choice.focus();
      await page.keyboard.press('Tab');
      await expect(
        add.getByRole('button', { name: 'Add endpoint' })
      ).toBeFocused();
      await page.keyboard.press('Enter');

      await expect(add.getByRole('status')).toContainText(`Added ${LIVY}`);
      await expect(add).toContainText(
        'Every endpoint of the SparkMagic config has an entry.'
      );
      await expect
        .poll(async () => Object.keys(await savedEndpoints(page)).sort(), {
          timeout: 20000
        })
        .toEqual([DEAD, LIVY].sort());
      // The new entry's key is the URL, its fields are there to fill in.
      await expect(editor.locator(`input[value="${LIVY}"]`)).toHaveCount(1);
      await shoot(page, `settings-endpoint-added-${theme}`);
    } finally {
      await setSetting(page, 'endpoints', {});
    }
  });
}
