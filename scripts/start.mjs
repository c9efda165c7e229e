#!/usr/bin/env node
// `npm start`: builds and packages the extension, then opens a sample workspace in VS Code with it.
//   - `code` on PATH: a VS Code window on the workspace, running this checkout's extension
//     (--extensionDevelopmentPath), so a rebuild and "Developer: Reload Window" picks up changes;
//   - otherwise: the project's own code-server (scripts/e2e-setup.sh installs it into .e2e/) with
//     the packaged .vsix installed, serving on 127.0.0.1 and printing the URL to open.
// Usage: npm start [-- WORKSPACE] (default sample-workspaces/math-cot); PORT=8080 picks the port.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(new URL("..", import.meta.url).pathname);
const workspace = resolve(process.argv[2] ?? join(root, "sample-workspaces/math-cot"));
if (!existsSync(workspace)) {
  console.error(`start: no folder ${workspace}`);
  process.exit(2);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: "inherit", cwd: root, ...options });
  if (result.status !== 0) {
    console.error(`start: ${command} ${args.join(" ")} failed (${result.error?.message ?? `exit ${result.status}`})`);
    process.exit(result.status ?? 1);
  }
}

const onPath = (name) => spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).status === 0;

run("npm", ["run", "package"]);

if (onPath("code") && !process.env.REWARDLAB_START_CODE_SERVER) {
  console.log(`start: opening ${workspace} in VS Code with this checkout's extension`);
  run("code", ["--new-window", `--extensionDevelopmentPath=${root}`, workspace]);
  process.exit(0);
}

run("bash", [join(root, "scripts/e2e-setup.sh")]);
const codeServer = join(root, ".e2e/code-server/node_modules/.bin/code-server");
const base = join(root, ".e2e/start");
const userData = join(base, "user-data");
const extensions = join(base, "extensions");
mkdirSync(userData, { recursive: true });
const vsix = readdirSync(join(root, "dist")).find((name) => name.endsWith(".vsix"));
run(codeServer, ["--install-extension", join(root, "dist", vsix), "--force", "--extensions-dir", extensions, "--user-data-dir", userData]);
const port = process.env.PORT ?? "8080";
const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`;
console.log(`\nstart: VS Code (code-server) with RewardLab on ${workspace}\n\n    ${url}\n\nopen that URL in a browser; Ctrl+C stops the server.\n`);
const server = spawn(codeServer, ["--auth", "none", "--bind-addr", `127.0.0.1:${port}`, "--disable-telemetry", "--disable-update-check", "--user-data-dir", userData, "--extensions-dir", extensions, workspace], { stdio: ["ignore", "ignore", "inherit"] });
process.on("SIGINT", () => server.kill("SIGTERM"));
server.on("exit", (code) => process.exit(code ?? 0));
