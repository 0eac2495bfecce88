/**
 * Adds a stylesheet to the page, once per module that calls it: the lazily loaded parts of the
 * extension (panel, history chart, Settings Editor field) bring their own CSS with their code, so
 * JupyterLab's startup loads only the status-bar item's (style/index.js).
 */
export function addStyle(css: string): void {
  const style = document.createElement('style');
  style.textContent = css;
  document.head.appendChild(style);
}
