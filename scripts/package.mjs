#!/usr/bin/env node
// Packages the extension into exactly one dist/rewardlab-<version>.vsix with vsce.
// Run after the build (`npm run package` does both). esbuild bundles everything the extension
// needs into dist/, so the package carries no node_modules (`--no-dependencies`).
// TODO(training): onnxruntime-node is kept external by the build (native binaries); once the
// extension runs training or ONNX PRMs it must ship in the vsix (copy its linux/darwin/win32 CPU
// binaries into dist/ or package per platform with `vsce package --target`).
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;
const { name, version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const dist = join(root, "dist");
const out = join(dist, `${name}-${version}.vsix`);

if (!existsSync(join(dist, "extension.js"))) {
  console.error("dist/extension.js is missing: run `npm run build` first (or `npm run package`).");
  process.exit(1);
}
// Old packages would otherwise end up inside the new one and leave several vsix files behind.
for (const file of readdirSync(dist)) if (file.endsWith(".vsix")) rmSync(join(dist, file));

const vsce = join(root, "node_modules/@vscode/vsce/vsce");
const result = spawnSync(process.execPath, [vsce, "package", "--no-dependencies", "--out", out], {
  cwd: root,
  stdio: "inherit",
});
if (result.status !== 0) process.exit(result.status ?? 1);
console.log(`packaged ${out} (${(statSync(out).size / 1024).toFixed(0)} KiB)`);
