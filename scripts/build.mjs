#!/usr/bin/env node
// Builds every target with esbuild: extension host, CLI, reward worker, the `rewardlab` library
// (with its type declarations) and one browser bundle per webview (webview/<name>/main.ts).
// `--watch` rebuilds on change.
import * as esbuild from "esbuild";
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;
const watch = process.argv.includes("--watch");
const dist = join(root, "dist");
const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;

const node = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  sourcemap: "linked",
  // tsx is only resolved on the dev path (workers started from TypeScript sources), never loaded by a bundle.
  // compute-engine (3.4 MB) is required on first symbolic math comparison only; scripts/package.mjs stages it.
  external: ["vscode", "onnxruntime-node", "esbuild", "tsx/cjs", "@cortex-js/compute-engine"],
  define: { REWARDLAB_BUNDLED: "true", REWARDLAB_VERSION: JSON.stringify(version) },
  logLevel: "warning",
  absWorkingDir: root,
};

const maybe = (entry) => existsSync(join(root, entry));

/** The subcommands src/cli/commands/index.ts loads with `import("./<name>")`. */
function cliCommands() {
  const index = join(root, "src/cli/commands/index.ts");
  if (!existsSync(index)) return [];
  return [...readFileSync(index, "utf8").matchAll(/import\("\.\/([\w-]+)"\)/g)].map((m) => m[1]);
}

/**
 * `rewardlab --help` and every command start from dist/cli.js, which holds only the command table:
 * each command is its own bundle (dist/cli-<name>.js), required when it runs, so `score` never
 * parses the trainer, IR or policy code and `--help` parses almost nothing. Shared modules are
 * copied into each command bundle; that is why main.ts recognises CliError by name (isCliError).
 */
const commandsApart = {
  name: "commands-apart",
  setup(build) {
    const index = join(root, "src", "cli", "commands", "index.ts");
    // require, not import(): importing a CommonJS file makes Node scan it for its export names first.
    build.onLoad({ filter: /[\\/]src[\\/]cli[\\/]commands[\\/]index\.ts$/ }, (args) => ({
      contents: readFileSync(args.path, "utf8").replace(/import\("\.\/([\w-]+)"\)/g, 'Promise.resolve().then(() => require("./cli-$1.js"))'),
      loader: "ts",
      resolveDir: join(root, "src", "cli", "commands"),
    }));
    build.onResolve({ filter: /^\.\/cli-[\w-]+\.js$/ }, (args) => (args.importer === index ? { path: args.path, external: true } : undefined));
  },
};
const targets = [
  maybe("src/extension/extension.ts") && { ...node, entryPoints: ["src/extension/extension.ts"], outfile: "dist/extension.js" },
  maybe("src/cli/main.ts") && { ...node, entryPoints: ["src/cli/main.ts"], outfile: "dist/cli.js", banner: { js: "#!/usr/bin/env node" }, plugins: [commandsApart] },
  ...cliCommands().map((name) => ({ ...node, entryPoints: [`src/cli/commands/${name}.ts`], outfile: `dist/cli-${name}.js` })),
  maybe("src/reward/sandbox/worker.ts") && { ...node, entryPoints: ["src/reward/sandbox/worker.ts"], outfile: "dist/reward-worker.js" },
  // The strict sandbox's process (sandbox: "strict"): relays to a reward-worker.js thread under Node's permission model.
  maybe("src/reward/sandbox/strictHost.ts") && { ...node, entryPoints: ["src/reward/sandbox/strictHost.ts"], outfile: "dist/reward-strict-host.js" },
  maybe("src/rl/trainerProcess.ts") && { ...node, entryPoints: ["src/rl/trainerProcess.ts"], outfile: "dist/trainer.js" },
  maybe("src/server/serverProcess.ts") && { ...node, entryPoints: ["src/server/serverProcess.ts"], outfile: "dist/reward-server.js" },
  maybe("src/reward/api/index.ts") && { ...node, entryPoints: ["src/reward/api/index.ts"], outfile: "dist/lib/rewardlab.js" },
].filter(Boolean);

const webviewDir = join(root, "webview");
for (const name of existsSync(webviewDir) ? readdirSync(webviewDir) : []) {
  if (maybe(`webview/${name}/main.ts`)) {
    targets.push({
      bundle: true, platform: "browser", target: "es2022", format: "iife", sourcemap: "linked", minify: true,
      entryPoints: [`webview/${name}/main.ts`], outfile: `dist/webview/${name}.js`, logLevel: "warning",
      absWorkingDir: root, loader: { ".css": "text", ".ttf": "file" },
    });
  }
}
// KaTeX for the trace viewer, loaded when it first typesets math (webview/traceViewer/math.ts).
if (maybe("webview/traceViewer/katexBundle.ts")) {
  targets.push({
    bundle: true, platform: "browser", target: "es2022", format: "iife", sourcemap: "linked", minify: true,
    entryPoints: ["webview/traceViewer/katexBundle.ts"], outfile: "dist/webview/traceViewerKatex.js", logLevel: "warning",
    absWorkingDir: root, loader: { ".css": "text" },
  });
}

/**
 * KaTeX's fonts for the trace viewer's math (webview/traceViewer/math.ts): woff2 only, the format
 * every webview engine picks first from KaTeX's stylesheet.
 */
function copyKatexFonts() {
  const from = join(root, "node_modules/katex/dist/fonts");
  if (!existsSync(from)) return;
  const to = join(dist, "webview/katex-fonts");
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) if (name.endsWith(".woff2")) copyFileSync(join(from, name), join(to, name));
}
copyKatexFonts();

/** Type declarations for reward authors: dist/lib/rewardlab.d.ts re-exports the API's declarations. */
function emitLibraryTypes() {
  if (!maybe("src/reward/api/index.ts")) return;
  const tsc = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.lib.json"], { cwd: root, stdio: "inherit" });
  if (tsc.status !== 0) throw new Error("declaration build failed (tsconfig.lib.json)");
  mkdirSync(join(dist, "lib"), { recursive: true });
  writeFileSync(join(dist, "lib/rewardlab.d.ts"), 'export * from "./types/reward/api/index";\n');
}

const started = Date.now();
if (watch) {
  for (const options of targets) await (await esbuild.context(options)).watch();
  console.log(`watching ${targets.length} targets`);
} else {
  await Promise.all(targets.map((options) => esbuild.build(options)));
  emitLibraryTypes();
  console.log(`built ${targets.length} targets in ${Date.now() - started} ms`);
}
