// Lint rules, including the layer rules of DESIGN.md: imports point inward only.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** Layers each layer may NOT import (relative paths into src/<layer>/). */
const forbidden = {
  protocol: ["trace", "reward", "ir", "runtime", "policy", "rl", "server", "cli", "extension"],
  trace: ["reward", "ir", "runtime", "policy", "rl", "server", "cli", "extension"],
  reward: ["ir", "runtime", "policy", "rl", "server", "cli", "extension"],
  ir: ["trace", "reward", "runtime", "policy", "rl", "server", "cli", "extension"],
  runtime: ["trace", "reward", "policy", "rl", "server", "cli", "extension"],
  policy: ["reward", "rl", "server", "cli", "extension"],
  rl: ["server", "cli", "extension"],
  server: ["cli", "extension"],
  cli: ["extension"],
  extension: ["cli"],
};

const layerRule = (layer, extra = []) => ({
  files: [`src/${layer}/**/*.ts`],
  rules: {
    "no-restricted-imports": ["error", {
      paths: layer === "extension" ? [] : [{ name: "vscode", message: "Only src/extension/ may import vscode (DESIGN.md layers)." }],
      patterns: [
        {
          regex: `^(\\.\\./)+(${forbidden[layer].join("|")})(/|$)`,
          message: `src/${layer}/ may not import this layer: imports point inward only (DESIGN.md).`,
        },
        ...extra,
      ],
    }],
  },
});

export default tseslint.config(
  { ignores: ["node_modules/**", "dist/**", "out/**", ".e2e/**", "**/*.js", "**/*.mjs", "!eslint.config.mjs", "!scripts/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: "readonly", process: "readonly", setTimeout: "readonly", clearTimeout: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "no-constant-condition": ["error", { checkLoops: false }],
    },
  },
  ...Object.keys(forbidden).map((layer) => layerRule(layer)),
  {
    files: ["webview/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        paths: [{ name: "vscode", message: "Webviews talk to the host through typed messages only." }],
        patterns: [{ regex: "^(\\.\\./)+src/(?!protocol/)", message: "webview/ may import only src/protocol/ types." }],
      }],
    },
  },
  {
    files: ["scripts/**/*.mjs", "eslint.config.mjs"],
    languageOptions: { globals: { console: "readonly", process: "readonly", URL: "readonly" } },
  },
);
