/**
 * "Add as test case": a sample of a trace becomes a pinned case of a reward (`examples` in its
 * definition) with the score it gets now, so a later edit that changes it fails `rewardlab test`
 * and the Test Explorer. The entry is inserted as an undoable edit into the reward file's
 * `examples: [` array; a file without one gets the entry on the clipboard and a note where to put it.
 */
import * as vscode from "vscode";

/** Inserts `entry` as the first element of the file's `examples: [` array; false when it has none. */
export async function insertExample(file: vscode.Uri, entry: string): Promise<boolean> {
  const document = await vscode.workspace.openTextDocument(file);
  const match = /\bexamples\s*:\s*\[[^\S\n]*\n?/.exec(document.getText());
  if (!match) return false;
  const at = document.positionAt(match.index + match[0].length);
  const edit = new vscode.WorkspaceEdit();
  edit.insert(file, at, match[0].endsWith("\n") ? entry : `\n${entry}`);
  if (!(await vscode.workspace.applyEdit(edit))) return false;
  const editor = await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: false });
  editor.revealRange(new vscode.Range(at, at), vscode.TextEditorRevealType.InCenter);
  editor.selection = new vscode.Selection(at, at);
  return true;
}
