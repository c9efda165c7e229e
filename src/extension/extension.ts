import type * as vscode from "vscode";

export function activate(_context: vscode.ExtensionContext): void {
  // The shell (views, commands, trace viewer) is registered here as it lands.
}

export function deactivate(): void {}
