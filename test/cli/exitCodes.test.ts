// The README's exit-code table says what each command's --help says, for every command, and a
// missing workspace is a usage error (2) wherever a workspace is read.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { commands } from "../../src/cli/commands/index";
import { main } from "../../src/cli/main";

const root = join(import.meta.dirname, "..", "..");

/** The codes a usage text's "Exit codes:" paragraph names. */
function helpCodes(usage: string): number[] {
  const paragraph = /Exit codes:([^]*?)(?:\n\n|$)/.exec(usage)?.[1] ?? "";
  return [...paragraph.matchAll(/(?:^\s*|[:;]\s*)(\d)\s/g)].map((m) => Number(m[1])).sort();
}

test("the README's exit-code table lists every command with the codes its --help names", async () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Exit codes"), readme.indexOf("\n## ", readme.indexOf("## Exit codes") + 5));
  const rows = new Map<string, number[]>();
  for (const line of section.split("\n")) {
    const cells = /^\| `([\w-]+)` \|(.*)\|$/.exec(line);
    if (!cells) continue;
    const codes = cells[2].split("|").flatMap((cell, code) => (cell.trim() ? [code] : []));
    rows.set(cells[1], codes);
  }
  assert.deepEqual([...rows.keys()].sort(), commands.map((c) => c.name).sort(), "one row per command");
  for (const entry of commands) {
    const command = await entry.load();
    const codes = helpCodes(command.usage);
    assert.ok(codes.length > 0, `${entry.name} --help names its exit codes`);
    assert.deepEqual(rows.get(entry.name), codes, `${entry.name}: README row vs --help`);
  }
});

test("a missing workspace is a usage error (exit 2) for every command that reads one", async () => {
  for (const name of ["train", "sft", "eval", "export"]) {
    let stderr = "";
    const args = name === "export" ? ["export", "verl", "/nonexistent-workspace", "--out", "/tmp/rl-export-never-written"] : [name, "/nonexistent-workspace"];
    const code = await main(args, { stdout: () => undefined, stderr: (t) => void (stderr += t), cwd: root, interactive: false });
    assert.equal(code, 2, `${name}: ${stderr}`);
    assert.match(stderr, /nonexistent-workspace/);
  }
});
