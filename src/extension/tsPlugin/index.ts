/**
 * TypeScript server plugin that gives reward files the types of the `rewardlab` module without any
 * setup: when an import of "rewardlab" does not resolve in the user's project (no node_modules, no
 * tsconfig paths), it resolves to the declarations that ship with the extension.
 *
 * Loaded by VS Code's TypeScript extension (package.json `typescriptServerPlugins`) from the
 * extension's node_modules/rewardlab-ts-plugin, where scripts/package.mjs puts this bundle. Runs
 * inside tsserver: no vscode API here.
 */
import * as path from "node:path";
import type * as ts from "typescript/lib/tsserverlibrary";

const MODULE = "rewardlab";

function init(modules: { typescript: typeof ts }): ts.server.PluginModule {
  const typescript = modules.typescript;
  // <extension>/node_modules/rewardlab-ts-plugin/index.js -> <extension>/dist/lib/rewardlab.d.ts
  const declarations = path.join(__dirname, "..", "..", "dist", "lib", "rewardlab.d.ts");
  const fallback: ts.ResolvedModuleWithFailedLookupLocations = {
    resolvedModule: { resolvedFileName: declarations, extension: typescript.Extension.Dts, isExternalLibraryImport: true },
  };
  return {
    create(info) {
      const host = info.languageServiceHost;
      const resolveLiterals = host.resolveModuleNameLiterals?.bind(host);
      if (resolveLiterals) {
        host.resolveModuleNameLiterals = (literals, containingFile, redirectedReference, options, sourceFile, reused) =>
          resolveLiterals(literals, containingFile, redirectedReference, options, sourceFile, reused).map((resolved, i) =>
            literals[i].text === MODULE && !resolved.resolvedModule ? fallback : resolved,
          );
      }
      info.project.projectService.logger.info(`rewardlab-ts-plugin: "${MODULE}" falls back to ${declarations}`);
      return info.languageService;
    },
  };
}

module.exports = init;
