import assert from "node:assert/strict";
import { test } from "node:test";
import type * as vscode from "vscode";
import { viewerHtml } from "../../src/extension/traceViewer/html";

test("the viewer page has a strict CSP: nonce-only scripts, no remote content, escaped title", () => {
  const webview = { cspSource: "https://webview.test", asWebviewUri: (uri: unknown) => uri } as unknown as vscode.Webview;
  const script = { toString: () => "https://webview.test/dist/webview/traceViewer.js" } as unknown as vscode.Uri;
  const html = viewerHtml(webview, script, "<img src=x onerror=alert(1)>.trace.jsonl");
  const csp = /content="([^"]+)"/.exec(html)?.[1] ?? "";
  const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
  assert.ok(nonce && nonce.length >= 16, csp);
  assert.match(csp, /default-src 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
  assert.match(csp, /img-src https:\/\/webview\.test data:/);
  assert.ok(html.includes(`<script nonce="${nonce}" src="https://webview.test/dist/webview/traceViewer.js">`));
  assert.ok(!html.includes("<img"), "the title is escaped");
  assert.notEqual(/nonce-([^']+)/.exec(viewerHtml(webview, script, "t"))?.[1], nonce, "a fresh nonce per page");
});

test("the page's data block holds the data as JSON that cannot close the block or run", () => {
  const webview = { cspSource: "https://webview.test", asWebviewUri: (uri: unknown) => uri } as unknown as vscode.Webview;
  const script = { toString: () => "https://webview.test/dist/webview/traceViewer.js" } as unknown as vscode.Uri;
  const data = { sampleCount: 2, rows: [{ id: "</script><script>alert(1)</script>", group: "<!-- x" }, { id: "a\u2028b & c" }] };
  const html = viewerHtml(webview, script, "t", data);
  const block = /<script type="application\/json" id="page-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(block, html);
  assert.ok(!block[1].includes("<"), "every < is escaped inside the block");
  assert.deepEqual(JSON.parse(block[1]), data);
  assert.equal(html.match(/<script/g)?.length, 2, "the data block and the nonce'd script, nothing else");
  assert.ok(!viewerHtml(webview, script, "t").includes("page-data"), "no block without data");
});
