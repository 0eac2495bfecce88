/**
 * Galata configuration: real JupyterLab (from the project's .venv) in Debian's Chromium.
 * No browser is downloaded: Playwright drives /usr/bin/chromium.
 */
const fs = require('fs');
const path = require('path');
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

const port = process.env.UI_TESTS_PORT || '18888';
// The project's .venv, where set-up installed JupyterLab and the extension, also when not activated.
const venvJupyter = path.join(__dirname, '..', '.venv', 'bin', 'jupyter');
const jupyter = fs.existsSync(venvJupyter) ? venvJupyter : 'jupyter';
process.env.TARGET_URL = `http://127.0.0.1:${port}`;

module.exports = {
  ...baseConfig,
  reporter: [['list']],
  workers: 1,
  timeout: 240 * 1000, // the live tests wait for Spark to grant and release executors
  retries: 0,
  use: {
    ...baseConfig.use,
    baseURL: process.env.TARGET_URL,
    video: 'off',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync'
      ]
    }
  },
  webServer: {
    command: `${jupyter} lab --config jupyter_server_test_config.py --ServerApp.port=${port}`,
    url: `${process.env.TARGET_URL}/lab`,
    timeout: 120 * 1000,
    reuseExistingServer: false,
    env: {
      ...process.env,
      SPARKMAGIC_CONF_DIR:
        process.env.UI_SPARKMAGIC_CONF_DIR ||
        path.join(__dirname, 'fixtures', 'sparkmagic')
    }
  }
};
