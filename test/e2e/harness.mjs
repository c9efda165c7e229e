// End-to-end harness: a real VS Code (code-server 4.100.3 from npm, see scripts/e2e-setup.sh) with
// the packaged .vsix installed, driven by playwright-core through Debian's Chromium.
// Every launch gets a fresh user-data-dir, extensions-dir and a copy of the fixture workspace.
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test as nodeTest } from "node:test";
import { chromium } from "playwright-core";

export const root = new URL("../..", import.meta.url).pathname;
export const screenshots = join(root, "test-results/e2e");
const codeServer = join(root, ".e2e/code-server/node_modules/.bin/code-server");

/** The one .vsix that `npm run package` wrote. */
export function findVsix() {
  const vsix = readdirSync(join(root, "dist")).filter((f) => f.endsWith(".vsix"));
  if (vsix.length !== 1) throw new Error(`expected exactly one dist/*.vsix, found ${vsix.length}: run \`npm run package\``);
  return join(root, "dist", vsix[0]);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url, timeoutMs, child) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer on ${url} within ${timeoutMs} ms`);
}

/**
 * Starts code-server on a free loopback port with `workspace` (a fixture folder, copied) open and the
 * extension installed; opens it in Chromium. `trusted: false` leaves Workspace Trust on, so the
 * folder opens in Restricted Mode.
 */
export async function launch({ fixture, trusted = true, settings = {} }) {
  if (!existsSync(codeServer)) throw new Error("code-server is not installed: run scripts/e2e-setup.sh");
  const base = mkdtempSync(join(tmpdir(), "rewardlab-e2e-"));
  const userData = join(base, "user-data");
  const extensions = join(base, "extensions");
  const workspace = join(base, "workspace");
  cpSync(fixture, workspace, { recursive: true });
  mkdirSync(join(userData, "User"), { recursive: true });
  writeFileSync(join(userData, "User/settings.json"), JSON.stringify({
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": false,
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    "extensions.autoCheckUpdates": false,
    "extensions.autoUpdate": false,
    "workbench.enableExperiments": false,
    "editor.minimap.enabled": false,
    // Tests decide when files are written (code-server would otherwise save edits on its own).
    "files.autoSave": "off",
    "window.commandCenter": false,
    "workbench.colorTheme": "Default Dark Modern",
    ...settings,
  }, null, 2));

  const install = spawnSync(codeServer, ["--install-extension", findVsix(), "--extensions-dir", extensions, "--user-data-dir", userData], { encoding: "utf8" });
  if (install.status !== 0) throw new Error(`installing the vsix failed:\n${install.stdout}\n${install.stderr}`);

  const port = await freePort();
  const args = ["--auth", "none", "--bind-addr", `127.0.0.1:${port}`, "--disable-telemetry", "--disable-update-check", "--user-data-dir", userData, "--extensions-dir", extensions];
  if (trusted) args.push("--disable-workspace-trust");
  args.push(workspace);
  const child = spawn(codeServer, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, VSCODE_PROXY_URI: "" } });
  let serverLog = "";
  child.stdout.on("data", (d) => (serverLog += d));
  child.stderr.on("data", (d) => (serverLog += d));
  const url = `http://127.0.0.1:${port}/`;
  await waitForHttp(`${url}healthz`, 60_000, child);

  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const context = await browser.newContext({ viewport: { width: 1500, height: 950 } });
  const page = await context.newPage();
  const dialogs = [];
  page.on("dialog", async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  const consoleErrors = [];
  page.on("console", (message) => message.type() === "error" && consoleErrors.push(message.text()));
  await page.goto(`${url}?folder=${encodeURIComponent(workspace)}`);
  await page.locator(".monaco-workbench").waitFor({ timeout: 90_000 });

  return {
    page,
    workspace,
    userData,
    dialogs,
    consoleErrors,
    get serverLog() {
      return serverLog;
    },
    /** The RewardLab output channel's log file (it records the activation time). */
    extensionLog() {
      const found = findFile(join(userData, "logs"), (name) => name === "RewardLab.log");
      return found ? readFileSync(found, "utf8") : "";
    },
    async close() {
      await browser.close().catch(() => undefined);
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
      rmSync(base, { recursive: true, force: true });
    },
  };
}

function findFile(dir, match) {
  if (!existsSync(dir)) return undefined;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = findFile(path, match);
      if (found) return found;
    } else if (match(entry.name)) return path;
  }
  return undefined;
}

/** Saves a screenshot as test-results/e2e/<name>.png. */
export async function shot(page, name) {
  mkdirSync(screenshots, { recursive: true });
  const path = join(screenshots, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/**
 * Runs a command through the command palette (F1), by its title. Retries while the palette does not
 * list it yet (right after start-up, extension contributions may still be arriving).
 */
export async function runCommand(page, title, attempts = 4) {
  for (let attempt = 1; ; attempt++) {
    try {
      await page.keyboard.press("F1");
      // In CI runs on a loaded machine the palette has closed right after opening (its input stayed in
      // the DOM, hidden; the cause was not found): then this attempt fails and the next one retries.
      const input = page.locator(".quick-input-widget:visible input");
      await input.waitFor({ timeout: 10_000 });
      await input.fill(`>${title}`, { timeout: 5_000 });
      const item = page.locator(".quick-input-widget:visible .quick-input-list .monaco-list-row", { hasText: title }).first();
      await item.waitFor({ timeout: 5_000 });
      await page.keyboard.press("Enter");
      return;
    } catch (error) {
      await page.keyboard.press("Escape");
      if (attempt >= attempts) throw error;
      await page.waitForTimeout(2_000);
    }
  }
}

/**
 * Runs a command that asks with a quick pick, and picks the row showing `rowText`. On a loaded machine
 * the picker has closed right after opening (its row stayed in the DOM, hidden, until the click timed
 * out: once in each of two CI runs, in different files; the cause was not found): the command is run
 * again then.
 */
export async function pickAfterCommand(page, title, rowText, attempts = 3) {
  for (let attempt = 1; ; attempt++) {
    await runCommand(page, title);
    try {
      await page.locator(".quick-input-widget:visible .quick-input-list .monaco-list-row", { hasText: rowText }).first().click({ timeout: 10_000 });
      return;
    } catch (error) {
      if (attempt >= attempts) throw error;
      await page.keyboard.press("Escape");
    }
  }
}

/** Opens a workspace file in the text editor through Quick Open. */
export async function openFile(page, relativePath) {
  await page.keyboard.press("Control+P");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor();
  await input.fill(relativePath);
  await page.locator(".quick-input-list .monaco-list-row").first().waitFor({ timeout: 15_000 });
  await page.keyboard.press("Enter");
  const name = relativePath.split("/").pop();
  await page.locator(".tab.active", { hasText: name }).waitFor({ timeout: 15_000 });
}

/** The trace viewer's document (a webview is an iframe in an iframe). */
export function viewerFrame(page) {
  return page.frameLocator("iframe.webview.ready").frameLocator("#active-frame");
}

/** The trace viewer's list as rows of { column label: cell text }, top to bottom. */
export async function listTable(view) {
  const labels = (await view.locator(".list-header button").allTextContents()).map((label) => label.replace(/ [▲▼]$/, ""));
  const rows = await view.locator(".list-spacer .list-row").evaluateAll((items) => items.sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top)).map((item) => [...item.children].map((cell) => cell.textContent)));
  return rows.map((cells) => Object.fromEntries(labels.map((label, i) => [label, cells[i]])));
}

let failures = 0;
/**
 * `node:test`'s test, leaving a FAILED-<file>-<n> screenshot and the page's console errors behind
 * when it fails. `session()` returns the launched code-server (from `launch`).
 */
export function testWith(session, prefix) {
  return (name, fn) =>
    nodeTest(name, async () => {
      try {
        await fn();
      } catch (error) {
        const current = session();
        if (current) {
          await shot(current.page, `FAILED-${prefix}-${++failures}`).catch(() => undefined);
          console.log(`console errors so far:\n${current.consoleErrors.join("\n")}`);
          console.log(await whatTheUserSees(current));
        }
        throw error;
      }
    });
}

/**
 * What was on screen and in the extension's log when a test failed, for a CI log that has no
 * screenshots: the notifications, an open quick pick or modal dialog, and the log's last lines.
 */
async function whatTheUserSees(current) {
  const texts = async (selector) => (await current.page.locator(selector).allTextContents().catch(() => [])).map((text) => text.trim()).filter(Boolean);
  const log = current.extensionLog().trimEnd().split("\n").slice(-40).join("\n");
  return [
    `notifications: ${JSON.stringify(await texts(".notification-toast"))}`,
    `quick pick: ${JSON.stringify(await texts(".quick-input-widget:visible .quick-input-title, .quick-input-widget:visible .quick-input-message"))}`,
    `modal dialog: ${JSON.stringify(await texts(".monaco-dialog-box"))}${current.dialogs.length ? `; browser dialogs: ${JSON.stringify(current.dialogs)}` : ""}`,
    `RewardLab log (last lines):\n${log}`,
  ].join("\n");
}

/** The document of the webview whose page has `selector` (several webviews may be open). */
export async function webviewWith(page, selector, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const frames = page.locator("iframe.webview.ready");
    for (let i = 0; i < (await frames.count()); i++) {
      const frame = frames.nth(i).contentFrame().locator("#active-frame").contentFrame();
      if ((await frame.locator(selector).count().catch(() => 0)) > 0) return frame;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`no webview shows ${selector}`);
}
