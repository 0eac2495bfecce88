import { expect, test } from '@jupyterlab/galata';

import {
  busySessions,
  endpointsDocument,
  LIVY,
  livySession,
  mockServer,
  snapshot
} from './mock';
import { openPanel, setSetting, shoot } from './helpers';

const GLUE = {
  [LIVY]: { clusterKind: 'glue', workerType: 'G.1X', numberOfWorkers: 10 }
};
const ago = (s: number) => new Date(Date.now() - s * 1000).toISOString();

/** Every state of the panel at the default sidebar width, in the light and the dark theme. */
for (const theme of ['light', 'dark'] as const) {
  test.describe(`Panel states (${theme})`, () => {
    test.beforeEach(async ({ page }) => {
      if (theme === 'dark') {
        await page.theme.setDarkTheme();
      }
      await setSetting(page, 'endpoints', GLUE);
    });

    test('loading', async ({ page }) => {
      await mockServer(page, { endpoints: null });
      await page.reload();
      const panel = await openPanel(page);
      await expect(panel.getByTestId('loading')).toBeVisible();
      await shoot(panel, `loading-${theme}`);
    });

    test('no SparkMagic config', async ({ page }) => {
      await mockServer(page, {
        endpoints: {
          ...endpointsDocument({
            status: 'missing',
            message:
              'No SparkMagic config at /home/analyst/.sparkmagic/config.json.'
          }),
          endpoints: []
        }
      });
      const panel = await openPanel(page);
      await expect(panel.getByTestId('no-config')).toContainText(
        'kernel_python_credentials'
      );
      await shoot(panel, `no-config-${theme}`);
    });

    test('config error: line, column and what to fix', async ({ page }) => {
      await mockServer(page, {
        endpoints: {
          ...endpointsDocument({
            status: 'invalid_json',
            message:
              "/home/analyst/.sparkmagic/config.json is not valid JSON: Expecting ',' delimiter.",
            line: 7,
            column: 5
          }),
          endpoints: []
        }
      });
      const panel = await openPanel(page);
      const message = panel.getByTestId('config-error');
      await expect(message).toContainText('Line 7, column 5');
      await expect(message).toContainText("Expecting ',' delimiter");
      await shoot(panel, `config-error-${theme}`);
    });

    test('Livy unreachable: no figures, last good rows greyed, kill disabled', async ({
      page
    }) => {
      await mockServer(page, {
        sessions: snapshot({
          stale: true,
          lastSuccessAt: ago(180),
          error: {
            kind: 'unreachable',
            message: `Livy did not answer: connection refused (${LIVY})`,
            at: ago(5)
          }
        })
      });
      const panel = await openPanel(page);
      const card = panel.locator(`[data-endpoint="${LIVY}"]`);
      await expect(card.getByTestId('livy-error')).toContainText(
        'live figures are missing'
      );
      await expect(card.getByTestId('livy-error')).toContainText('3 min');
      await expect(card.getByTestId('capacity-bar')).toHaveCount(0);
      await expect(card.getByTestId('held')).toHaveCount(0);
      await expect(card).not.toContainText('0 live sessions');
      await expect(card.getByTestId('kill').first()).toBeDisabled();
      await shoot(
        panel,
        `unreachable-${theme}`,
        theme === 'light' ? 'screenshot-unreachable' : undefined
      );
    });

    test('auth needed', async ({ page }) => {
      await mockServer(page, {
        sessions: snapshot({
          sessions: [],
          lastSuccessAt: null,
          error: {
            kind: 'auth',
            message: `HTTP 401: authentication refused (${LIVY}/sessions)`,
            at: ago(1)
          }
        })
      });
      const panel = await openPanel(page);
      await expect(panel.getByTestId('livy-error')).toContainText(
        'Livy needs other credentials'
      );
      await shoot(panel, `auth-${theme}`);
    });

    test('stale, with its age', async ({ page }) => {
      await mockServer(page, {
        sessions: () =>
          snapshot({ fetchedAt: ago(95), lastSuccessAt: ago(95), stale: true })
      });
      const panel = await openPanel(page);
      await expect(panel.getByTestId('stale')).toContainText('1 min');
      await shoot(panel, `stale-${theme}`);
    });

    test('empty: no sessions', async ({ page }) => {
      await mockServer(page, { sessions: () => snapshot({ sessions: [] }) });
      const panel = await openPanel(page);
      await expect(panel.getByTestId('held')).toContainText('No live sessions');
      await expect(panel.getByTestId('capacity-executors')).toHaveText('9');
      await shoot(panel, `empty-${theme}`);
    });

    test('busy: who holds what, compact rows, nothing off the edge', async ({
      page
    }) => {
      await mockServer(page, {
        sessions: () =>
          snapshot({
            warnings: ['Livy listed 2 of 3 pages; the rest timed out.'],
            starvation: {
              episode: 1,
              since: ago(30),
              holder: 'session-3',
              waiting: ['session-9'],
              held: 4,
              clusterExecutors: 9,
              share: 0.444
            }
          })
      });
      const panel = await openPanel(page);
      const card = panel.locator(`[data-endpoint="${LIVY}"]`);
      await expect(card.getByTestId('held')).toContainText(
        '9 of 9 executors held, 0 free'
      );
      await expect(card.getByTestId('held')).toContainText(
        'waiting for 2 more'
      );
      await expect(card.locator('.jp-LivyCapacity-segment')).toHaveCount(5);
      const batch = card.locator('[data-livy-key="batch-4"]');
      await expect(batch).toContainText('nightly-aggregation');
      await expect(batch).toContainText('svc-etl');
      await expect(card.locator('[data-livy-key="session-9"]')).toContainText(
        'waiting for 2 executors'
      );
      await expect(card.getByTestId('starvation')).toContainText(
        'quarterly-revenue-by-region-and-product-line.ipynb holds 4 of 9 executors while Livy session 9 waits.'
      );
      // A notebook goes by its file name; its path is in the title.
      await expect(card.getByTestId('starvation')).not.toContainText(
        'analysis/'
      );
      const notebookRow = card.locator('[data-livy-key="session-3"]');
      await expect(notebookRow).not.toContainText('analysis/');
      await expect(
        notebookRow.locator('[title^="analysis/quarterly-revenue"]')
      ).toHaveCount(1);
      // Every kill button is inside the panel, at the default sidebar width.
      const box = await panel.boundingBox();
      for (const kill of await card.getByTestId('kill').all()) {
        const b = await kill.boundingBox();
        expect(b!.x + b!.width).toBeLessThanOrEqual(box!.x + box!.width);
      }
      // Keyboard: the name toggles the details.
      const name = batch.locator('.jp-LivyCapacity-name');
      await name.focus();
      await page.keyboard.press('Enter');
      await expect(name).toHaveAttribute('aria-expanded', 'true');
      await expect(batch).toContainText('application_1764000000000_0004');
      await card.getByTestId('settings-toggle').click();
      await expect(card.locator('.jp-LivyCapacity-settingsBody')).toContainText(
        'driverMemory'
      );
      await shoot(
        panel,
        `busy-${theme}`,
        theme === 'light' ? 'screenshot-panel' : 'screenshot-panel-dark'
      );
    });
  });
}

test.describe('Scale and notifications', () => {
  test('500 sessions: a windowed list', async ({ page }) => {
    const many = Array.from({ length: 500 }, (_, i) =>
      livySession('session', i, i % 3, { owner: `user${i}` })
    );
    await setSetting(page, 'endpoints', GLUE);
    await mockServer(page, { sessions: () => snapshot({ sessions: many }) });
    const panel = await openPanel(page);
    await expect(panel.getByTestId('session-row').first()).toBeVisible();
    const rendered = await panel.getByTestId('session-row').count();
    expect(rendered).toBeLessThan(40);
    const list = panel.getByTestId('sessions');
    await list.evaluate((el: HTMLElement) => (el.scrollTop = el.scrollHeight));
    await expect(panel.locator('[data-livy-key="session-499"]')).toBeVisible();
  });

  test('starvation reaches a user whose panel is closed, once per browser', async ({
    page
  }) => {
    await setSetting(page, 'refreshInterval', 2);
    await setSetting(page, 'endpoints', GLUE);
    const starvation = {
      episode: 7,
      since: ago(10),
      holder: 'batch-4',
      waiting: ['session-9'],
      held: 9,
      clusterExecutors: 9,
      share: 1
    };
    const sessions = busySessions().map(s =>
      s.key === 'batch-4' ? { ...s, usage: { ...s.usage, executors: 9 } } : s
    );
    await mockServer(page, {
      sessions: () => snapshot({ sessions, starvation })
    });
    // The panel is never opened.
    const toast = page
      .locator('.Toastify__toast')
      .filter({ hasText: 'Spark starvation' });
    await expect(toast).toHaveCount(1, { timeout: 10000 });
    await expect(toast).toContainText(
      'nightly-aggregation holds 9 of 9 executors while Livy session 9 waits.'
    );
    await page.waitForTimeout(5000);
    await expect(toast).toHaveCount(1);
    // Another tab of the same browser (same localStorage): no second notification.
    await page.reload();
    await page.waitForTimeout(6000);
    await expect(
      page.locator('.Toastify__toast').filter({ hasText: 'Spark starvation' })
    ).toHaveCount(0);
  });
});

test.describe('Zero configuration', () => {
  test('on first open, the capacity the server discovered, with its source', async ({
    page
  }) => {
    await setSetting(page, 'endpoints', {});
    const source =
      'Glue: G.1X × 10 workers, from GetDevEndpoints (team-dev, matched by PrivateAddress)';
    await mockServer(page, {
      sessions: () =>
        snapshot({
          discovery: {
            details: {
              clusterKind: 'glue',
              workerType: 'G.1X',
              numberOfWorkers: 10
            },
            sources: { capacity: source },
            glue: { state: 'ok' },
            resourceManager: null
          }
        })
    });
    const panel = await openPanel(page);
    const card = panel.getByTestId('endpoint-card');
    await expect(card.getByTestId('capacity-executors')).toHaveText('9');
    await expect(card.getByTestId('sources')).toContainText(source);
    await expect(card.getByTestId('capacity-missing')).toHaveCount(0);
    await shoot(card, 'discovered-light');
  });
});
