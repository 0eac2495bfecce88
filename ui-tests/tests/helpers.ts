/** Shared steps of the UI tests. */
import * as path from 'path';

const PLUGIN = 'jupyterlab-livy-capacity:plugin';

/** Screenshots land in a git-ignored folder; `npm run screenshots` copies chosen ones to docs/. */
export const SHOTS = path.join(__dirname, '..', 'test-results', 'screenshots');

/** Sets one setting through JupyterLab's own settings registry (as the Settings Editor does). */
export async function setSetting(
  page: any,
  key: string,
  value: unknown
): Promise<void> {
  await page.evaluate(
    async ([plugin, k, v]: [string, string, unknown]) => {
      const registry: any = await (window as any).galata.getPlugin(
        '@jupyterlab/apputils-extension:settings'
      );
      await registry.set(plugin, k, v);
    },
    [PLUGIN, key, value]
  );
}

/** Opens the Spark Capacity sidebar at its default width and refreshes it. */
export async function openPanel(page: any): Promise<any> {
  await page.evaluate(async () => {
    const app = (window as any).jupyterapp;
    await app.commands.execute('livy-capacity:open');
    void app.commands.execute('livy-capacity:refresh');
  });
  const panel = page.locator('#livy-capacity-panel');
  await panel.waitFor();
  return panel;
}

/**
 * A screenshot into ui-tests/test-results/screenshots/<name>.png (git-ignored). Only
 * `npm run screenshots` (UPDATE_DOCS_SCREENSHOTS=1) also writes the README's docs/<docs>.png.
 */
export async function shoot(
  target: any,
  name: string,
  docs?: string
): Promise<void> {
  const page = typeof target.page === 'function' ? target.page() : target;
  await page.mouse.move(0, 0);
  await target.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  if (docs && process.env.UPDATE_DOCS_SCREENSHOTS === '1') {
    await target.screenshot({
      path: path.join(__dirname, '..', '..', 'docs', `${docs}.png`)
    });
  }
}

// Set by ui-tests/run.sh, which starts the real local cluster (Livy on YARN) for the live tests.
export const LIVY = process.env.LIVY_URL as string;
const RM = process.env.YARN_RM_URL as string;

/**
 * Opens the panel on the local cluster's endpoint, with its details as a user would enter them
 * (custom size: the NodeManager's 6 executors; the ResourceManager for live figures), polling
 * every 2 s; returns its card.
 */
export async function openPanelOnLiveCluster(page: any): Promise<any> {
  await page.evaluate(
    async ([plugin, livy, rm]: string[]) => {
      const registry: any = await (window as any).galata.getPlugin(
        '@jupyterlab/apputils-extension:settings'
      );
      await registry.set(plugin, 'refreshInterval', 2);
      await registry.set(plugin, 'endpoints', {
        [livy]: {
          clusterKind: 'custom',
          custom: {
            executors: 6,
            executorMemoryGiB: 0.5,
            executorCores: 1,
            driverMemoryGiB: 0.5
          },
          yarnResourceManagerUrl: rm
        }
      });
      await (window as any).jupyterapp.commands.execute('livy-capacity:open');
    },
    [PLUGIN, LIVY, RM]
  );
  return page.locator(
    `#livy-capacity-panel [data-testid="endpoint-card"][data-endpoint="${LIVY}"]`
  );
}

/**
 * A screenshot of a rectangle of the page, written like `shoot`'s:
 * test-results/screenshots/<name>.png, and docs/<docs>.png only for `npm run screenshots`.
 */
export async function shootClip(
  page: any,
  clip: { x: number; y: number; width: number; height: number },
  name: string,
  docs?: string
): Promise<void> {
  await page.mouse.move(0, 0);
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), clip });
  if (docs && process.env.UPDATE_DOCS_SCREENSHOTS === '1') {
    await page.screenshot({
      path: path.join(__dirname, '..', '..', 'docs', `${docs}.png`),
      clip
    });
  }
}

/**
 * A screenshot of the page around an element: the full height of its `within` container (the
 * status bar, say), from the container's left edge to `right` pixels past the element.
 */
export async function shootAround(
  page: any,
  element: any,
  within: string,
  name: string,
  docs?: string,
  right = 240
): Promise<void> {
  const box = await element.boundingBox();
  const outer = await page.locator(within).boundingBox();
  const clip = {
    x: outer.x,
    y: outer.y,
    width: Math.min(box.x + box.width + right, outer.x + outer.width) - outer.x,
    height: outer.height
  };
  await shootClip(page, clip, name, docs);
}

/** A screenshot of the smallest rectangle holding all the elements. */
export async function shootUnion(
  page: any,
  elements: any[],
  name: string,
  docs?: string
): Promise<void> {
  const boxes = await Promise.all(elements.map(e => e.boundingBox()));
  const x = Math.min(...boxes.map(b => b.x));
  const y = Math.min(...boxes.map(b => b.y));
  const right = Math.max(...boxes.map(b => b.x + b.width));
  const bottom = Math.max(...boxes.map(b => b.y + b.height));
  await shootClip(
    page,
    { x, y, width: right - x, height: bottom - y },
    name,
    docs
  );
}
