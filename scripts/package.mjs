#!/usr/bin/env node
// Packages the extension into exactly one dist/rewardlab-<version>.vsix with vsce.
// Run after the build (`npm run package` does both). esbuild bundles everything the extension
// needs into dist/, so the package carries no node_modules (`--no-dependencies`).
// onnxruntime-node and esbuild are native and kept external by the build: they are staged under
// dist/node_modules for this platform only (see stageEsbuild, stageOnnxRuntime).
import { chmodSync, copyFileSync, cpSync, createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import { spawnSync } from "node:child_process";
import { renameSync } from "node:fs";
import * as esbuild from "esbuild";
import yauzl from "yauzl";
import yazl from "yazl";

const root = new URL("..", import.meta.url).pathname;
const { name, version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const dist = join(root, "dist");
const out = join(dist, `${name}-${version}.vsix`);

if (!existsSync(join(dist, "extension.js"))) {
  console.error("dist/extension.js is missing: run `npm run build` first (or `npm run package`).");
  process.exit(1);
}
/**
 * Reward files are compiled with esbuild when they load (src/reward/compile.ts keeps it external: it
 * is a native binary). Stage its JS API and this machine's binary where dist/extension.js resolves
 * `require("esbuild")`. The package is then specific to this platform; build one per target with
 * `vsce package --target` on each (or in CI) for others.
 */
function stageEsbuild() {
  const staged = join(dist, "node_modules");
  rmSync(staged, { recursive: true, force: true });
  const source = join(root, "node_modules/esbuild");
  const { version: esbuildVersion } = JSON.parse(readFileSync(join(source, "package.json"), "utf8"));
  const platformPackage = `@esbuild/${process.platform}-${process.arch}`;
  const binary = join(root, "node_modules", platformPackage, "bin/esbuild");
  if (!existsSync(binary)) throw new Error(`esbuild binary for this platform not found at ${binary}`);
  mkdirSync(join(staged, "esbuild/lib"), { recursive: true });
  writeFileSync(join(staged, "esbuild/package.json"), JSON.stringify({ name: "esbuild", version: esbuildVersion, main: "lib/main.js" }));
  copyFileSync(join(source, "lib/main.js"), join(staged, "esbuild/lib/main.js"));
  mkdirSync(join(staged, platformPackage, "bin"), { recursive: true });
  writeFileSync(join(staged, platformPackage, "package.json"), JSON.stringify({ name: platformPackage, version: esbuildVersion }));
  copyFileSync(binary, join(staged, platformPackage, "bin/esbuild"));
  chmodSync(join(staged, platformPackage, "bin/esbuild"), 0o755);
}
stageEsbuild();

/**
 * The trainer child (dist/trainer.js) and `rewardlab eval` (dist/cli.js) run on onnxruntime-node.
 * Stage its CommonJS files, onnxruntime-common's, and this platform's CPU binaries (the npm package
 * carries five platforms, ~290 MB; linux-x64 alone is ~45 MB) where they `require("onnxruntime-node")`.
 * Like esbuild, this makes the package platform-specific: build one per `vsce package --target`.
 */
function stageOnnxRuntime() {
  const staged = join(dist, "node_modules");
  const copyTree = (from, to, keep) => {
    for (const entry of readdirSync(from, { withFileTypes: true })) {
      const source = join(from, entry.name);
      if (entry.isDirectory()) copyTree(source, join(to, entry.name), keep);
      else if (keep(entry.name)) {
        mkdirSync(to, { recursive: true });
        copyFileSync(source, join(to, entry.name));
      }
    }
  };
  const stagePackage = (packageName, main, folders) => {
    const source = join(root, "node_modules", packageName);
    const { version: packageVersion } = JSON.parse(readFileSync(join(source, "package.json"), "utf8"));
    mkdirSync(join(staged, packageName), { recursive: true });
    // No "type": "module": the staged files are the CommonJS build.
    writeFileSync(join(staged, packageName, "package.json"), JSON.stringify({ name: packageName, version: packageVersion, main }));
    for (const [from, keep] of folders) copyTree(join(source, from), join(staged, packageName, from), keep);
  };
  const binaries = `bin/napi-v6/${process.platform}/${process.arch}`;
  if (!existsSync(join(root, "node_modules/onnxruntime-node", binaries, "onnxruntime_binding.node"))) {
    throw new Error(`onnxruntime-node has no CPU binaries for ${process.platform}-${process.arch} (node_modules/onnxruntime-node/${binaries})`);
  }
  const js = (name) => name.endsWith(".js");
  stagePackage("onnxruntime-common", "dist/cjs/index.js", [["dist/cjs", js]]);
  stagePackage("onnxruntime-node", "dist/index.js", [["dist", js], [binaries, () => true]]);
}
stageOnnxRuntime();

/**
 * The math verifier (src/reward/builtin/mathVerify.ts) requires @cortex-js/compute-engine on first
 * symbolic comparison; the build keeps it external so reward workers that never compare symbolically
 * do not parse its 3.4 MB. Stage its self-contained CommonJS build where the workers require it.
 */
function stageComputeEngine() {
  const packageName = "@cortex-js/compute-engine";
  const source = join(root, "node_modules", packageName);
  const { version: packageVersion } = JSON.parse(readFileSync(join(source, "package.json"), "utf8"));
  const staged = join(dist, "node_modules", packageName);
  mkdirSync(join(staged, "dist/umd-min"), { recursive: true });
  writeFileSync(join(staged, "package.json"), JSON.stringify({ name: packageName, version: packageVersion, main: "dist/umd-min/compute-engine.cjs" }));
  copyFileSync(join(source, "dist/umd-min/compute-engine.cjs"), join(staged, "dist/umd-min/compute-engine.cjs"));
  copyFileSync(join(source, "LICENSE"), join(staged, "LICENSE"));
}
stageComputeEngine();

/**
 * The sample workspaces, for "RewardLab: Create Sample Workspace": data, base policy, rewards and
 * rewardlab.json, without training runs.
 */
function stageSamples() {
  const staged = join(dist, "samples");
  rmSync(staged, { recursive: true, force: true });
  for (const name of ["math-cot", "shapes-vqa"]) {
    cpSync(join(root, "sample-workspaces", name), join(staged, name), { recursive: true, filter: (source) => !/[\\/]runs([\\/]|$)/.test(source.slice(join(root, "sample-workspaces", name).length)) });
  }
}
stageSamples();

// Old packages would otherwise end up inside the new one and leave several vsix files behind.
for (const file of readdirSync(dist)) if (file.endsWith(".vsix")) rmSync(join(dist, file));

/**
 * The TypeScript server plugin (src/extension/tsPlugin) must sit in the extension's own
 * node_modules (tsserver only loads plugins by package name), which vsce leaves out with
 * --no-dependencies: bundle it here and add it to the finished package.
 */
async function buildTsPlugin() {
  const result = await esbuild.build({
    entryPoints: [join(root, "src/extension/tsPlugin/index.ts")],
    bundle: true, platform: "node", target: "node18", format: "cjs", write: false, logLevel: "warning",
  });
  return {
    "extension/node_modules/rewardlab-ts-plugin/index.js": Buffer.from(result.outputFiles[0].text),
    "extension/node_modules/rewardlab-ts-plugin/package.json": Buffer.from(JSON.stringify({ name: "rewardlab-ts-plugin", version, main: "index.js" }, null, 2)),
  };
}

/** Rewrites the zip at `path` with `extra` entries (name -> bytes) added. */
async function addToZip(path, extra) {
  const temporary = `${path}.tmp`;
  const output = new yazl.ZipFile();
  const done = new Promise((resolve, reject) => {
    output.outputStream.pipe(createWriteStream(temporary)).on("close", resolve).on("error", reject);
  });
  const input = await new Promise((resolve, reject) => yauzl.open(path, { lazyEntries: true }, (error, zip) => (error ? reject(error) : resolve(zip))));
  await new Promise((resolve, reject) => {
    input.on("entry", (entry) => {
      input.openReadStream(entry, (error, stream) => {
        if (error) return reject(error);
        output.addReadStream(stream, entry.fileName, { mtime: entry.getLastModDate(), mode: entry.externalFileAttributes >>> 16 || 0o100644 });
        stream.on("end", () => input.readEntry());
      });
    });
    input.on("end", resolve);
    input.on("error", reject);
    input.readEntry();
  });
  for (const [name, bytes] of Object.entries(extra)) output.addBuffer(bytes, name);
  output.end();
  await done;
  renameSync(temporary, path);
}

const vsce = join(root, "node_modules/@vscode/vsce/vsce");
const result = spawnSync(process.execPath, [vsce, "package", "--no-dependencies", "--no-rewrite-relative-links", "--out", out], {
  cwd: root,
  stdio: "inherit",
});
if (result.status !== 0) process.exit(result.status ?? 1);
await addToZip(out, await buildTsPlugin());
console.log(`packaged ${out} (${(statSync(out).size / 1024).toFixed(0)} KiB)`);
