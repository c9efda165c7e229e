/**
 * When the webview's script began to run (ms since its document started loading). Imported first
 * by a webview's main.ts, so it runs before the other modules are evaluated.
 */
export const scriptStartMs = performance.now();
