import { expect, test } from '@jupyterlab/galata';

import {
  openPanelOnLiveCluster,
  shoot,
  shootAround,
  shootUnion
} from './helpers';

// Two real notebooks with SparkMagic's PySpark kernel on the local cluster (Livy on YARN): one
// takes every executor, the other starts and waits; the panel names the holder, the waiting
// notebook once its kernel can answer. JupyterLab's own places agree with the panel: the status
// bar of the holder ("Spark 6/6", warning while it starves the other), the Running sidebar's
// "Livy sessions" (open, and the kill, through the panel's dialog), and the history chart and
// executor-hours afterwards.
// File names: the sidebar lines show a notebook's file name, its path in the title.
const HOLDER = 'Untitled.ipynb';
const WAITER = 'Untitled1.ipynb';
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

/** The path of the notebook in the main area's focus. */
async function activePath(page: any): Promise<string> {
  return page.evaluate(
    () => (window as any).jupyterapp.shell.currentWidget?.context?.path ?? ''
  );
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
    // The active notebook's status-bar item: every executor. (Not yet starving anyone; it may
    // still warn "waiting" while YARN keeps a request of its own pending.)
    const status = page.getByTestId('spark-status');
    await expect(status).toHaveText('Spark 6/6');

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

    // Back in the holder: its status item warns that it starves the other notebook.
    await page.notebook.activate('Untitled.ipynb');
    await expect(status).toHaveText('Spark 6/6');
    await expect(status).toHaveAttribute('data-warn', 'holder');
    await expect(status).toHaveClass(/jp-mod-warn/);
    await expect(status).toHaveAttribute('title', /starves other sessions/);
    await shootAround(
      page,
      status,
      '#jp-main-statusbar',
      'status-item-live',
      'screenshot-status'
    );

    // The panel's kill asks first; cancelled here, its words are compared with the Running
    // sidebar's below.
    await holder.getByTestId('kill').click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText(HOLDER);
    const panelDialog = await dialog.innerText();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toHaveCount(0);
    const held = (await holder.getByTestId('executors').innerText()).trim();

    // The Running sidebar lists the holder with what the panel says it holds, warning-coloured.
    await page.sidebar.openTab('jp-running-sessions');
    const section = page.getByRole('region', { name: 'Livy sessions Section' });
    const item = section
      .locator('.jp-RunningSessions-item')
      .filter({ hasText: HOLDER });
    await expect(item).toHaveCount(1);
    await expect(item.locator('.jp-RunningSessions-itemDetail')).toHaveText(
      `${held.split('/')[0]}/6`
    );
    await expect(item).toHaveClass(/jp-mod-warn/);
    // The section with its title (the title is the region's sibling).
    await shootUnion(
      page,
      [
        page
          .locator('#jp-running-sessions .jp-AccordionPanel-title')
          .filter({ hasText: 'Livy sessions' }),
        section
      ],
      'running-section-live',
      'screenshot-running'
    );
    // "open" brings the holder notebook to the front.
    await page.notebook.activate('Untitled1.ipynb');
    expect(await activePath(page)).toMatch(/\/Untitled1\.ipynb$/);
    await item.locator('.jp-RunningSessions-itemLabel').click();
    await expect.poll(() => activePath(page)).toMatch(/\/Untitled\.ipynb$/);

    // Its shut-down is the panel's kill: the same dialog, then the session ends.
    await item.hover();
    await item.getByTitle('Kill Livy session').click();
    await expect(dialog).toContainText(HOLDER);
    expect(await dialog.innerText()).toEqual(panelDialog);
    await dialog.getByRole('button', { name: 'Kill' }).click();
    await expect(item).toHaveCount(0, { timeout: 30000 });
    await expect(holder).toHaveCount(0, { timeout: 30000 });

    // The waiting notebook gets its session once the holder's executors are free; its kernel,
    // busy while SparkMagic waited, then says whose session it is.
    await page.notebook.activate('Untitled1.ipynb');
    await expect
      .poll(async () => (await page.notebook.getCellTextOutput(0))?.join(''), {
        timeout: 240000
      })
      .toContain('45');
    await page.evaluate(() =>
      (window as any).jupyterapp.commands.execute('livy-capacity:open')
    );
    await expect(
      card.locator('[data-livy-key^="session-"]').filter({ hasText: WAITER })
    ).toBeVisible({ timeout: 60000 });

    // The history: the holder by name with its executors, the capacity line, the waiter's
    // wait to start; its executor-hours in the totals.
    const history = card.getByTestId('history');
    await history.locator('summary').click();
    const chart = history.getByTestId('history-chart');
    await expect(chart).toBeVisible({ timeout: 30000 });
    const layer = chart
      .locator('path.jp-LivyCapacity-series')
      .filter({ has: page.locator('title', { hasText: HOLDER }) });
    await expect(layer).toHaveCount(1);
    expect(await layer.getAttribute('d')).toMatch(/^M/); // executors > 0 drawn
    await expect(chart.locator('.jp-LivyCapacity-legend')).toContainText(
      HOLDER
    );
    await expect(chart.locator('.jp-LivyCapacity-capacityLine')).toHaveCount(1);
    await expect
      .poll(
        async () =>
          (await chart.locator('.jp-LivyCapacity-startingTick').count()) +
          (await chart.locator('.jp-LivyCapacity-waitingArea').count())
      )
      .toBeGreaterThan(0);
    // Hover the middle of the holder's tallest step (its layer may have gaps: nothing held).
    const point = await layer.evaluate((path: SVGPathElement) => {
      const boxes = [
        ...(path.getAttribute('d') ?? '').matchAll(
          /M([\d.]+),([\d.]+)H([\d.]+)V([\d.]+)/g
        )
      ].map(m => m.slice(1, 5).map(Number));
      const size = (b: number[]) => (b[1] - b[3]) * 1000 + (b[2] - b[0]);
      const [x1, y1, x2, y2] = boxes.reduce((a, b) =>
        size(b) > size(a) ? b : a
      );
      const at = new DOMPoint((x1 + x2) / 2, (y1 + y2) / 2).matrixTransform(
        path.ownerSVGElement!.getScreenCTM()!
      );
      return { x: at.x, y: at.y };
    });
    await page.mouse.move(point.x, point.y);
    await expect(chart.locator('figcaption')).toContainText(HOLDER);
    await expect(chart.locator('figcaption')).toContainText(/of 6 held/);
    const totals = history
      .getByTestId('history-totals')
      .locator('tbody tr')
      .filter({ hasText: HOLDER });
    await expect(totals).toHaveCount(1);
    const hours = Number(await totals.locator('td').nth(1).innerText());
    expect(hours).toBeGreaterThan(0);
    await page.mouse.move(0, 0);
    await history.scrollIntoViewIfNeeded();
    await shoot(history, 'history-live', 'screenshot-history');
  });
});
