import { randomBytes } from "node:crypto";
import type * as vscode from "vscode";
import { PAGE_DATA_ID } from "../../protocol/ipc";

/**
 * The viewer page: a strict Content-Security-Policy (scripts only with this page's nonce, styles
 * and fonts only from the extension, images only from local resource roots or inline data), and no
 * remote content at all. Trace text never passes through this HTML as markup: `pageData` (what the
 * page shows before it can ask the host, such as a trace's first rows) is a JSON data block, which
 * the browser does not run, with every `<` escaped so it cannot close the block; the script parses
 * it and inserts its text as text.
 */
export function viewerHtml(webview: vscode.Webview, scriptUri: vscode.Uri, title: string, pageData?: unknown): string {
  const nonce = randomBytes(16).toString("base64");
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join("; ");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(title)}</title>
</head>
<body>
<div id="app" data-nonce="${nonce}"></div>
${pageData === undefined ? "" : `<script type="application/json" id="${PAGE_DATA_ID}">${JSON.stringify(pageData).replace(/</g, "\\u003c")}</script>\n`}<script nonce="${nonce}" src="${webview.asWebviewUri(scriptUri).toString()}"></script>
</body>
</html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
