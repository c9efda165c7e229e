/**
 * Reward files' pinned cases (`examples` in a reward definition) in VS Code's Test Explorer: one
 * test per example, under its reward file, at the example's line. Listing reads the files' text (no
 * reward code runs); running them runs `rewardlab test --json` in a child process, the same check
 * CI runs, and puts each failure ("expected 0, got 1") at its example's line. A continuous run
 * re-runs on every save of a reward file. Reward code runs only in a trusted workspace.
 */
import * as path from "node:path";
import * as vscode from "vscode";
import { runCli } from "../cliProcess";
import { Disposable } from "../base/disposable";
import type { Log } from "../log";
import type { RewardService } from "../scoring/rewardService";
import { exampleLocations } from "./exampleLocations";
import type { CaseResult } from "../../reward/validate";


const show = (value: number | null) => (value === null ? "null" : String(Number(value.toFixed(6))));

export class RewardTests extends Disposable {
  private readonly controller = this.register(vscode.tests.createTestController("rewardlab.rewardExamples", "Reward examples"));

  constructor(
    private readonly extensionPath: string,
    private readonly service: RewardService,
    private readonly log: Log,
  ) {
    super();
    this.controller.resolveHandler = () => this.discover();
    this.controller.refreshHandler = () => this.discover();
    const profile = this.controller.createRunProfile("Run reward examples", vscode.TestRunProfileKind.Run, (request, token) => this.run(request, token), true, undefined, true);
    this.register(profile);
    const watcher = this.register(vscode.workspace.createFileSystemWatcher("**/*.reward.ts"));
    for (const event of [watcher.onDidCreate, watcher.onDidChange, watcher.onDidDelete]) this.register(event(() => void this.discover()));
  }

  /** One item per reward file with examples, one child per example at its line. */
  async discover(): Promise<void> {
    const root = this.service.rewardsPath;
    if (!root) return;
    const files = await vscode.workspace.findFiles(new vscode.RelativePattern(vscode.Uri.file(root), "**/*.reward.ts"), "**/node_modules/**");
    const items: vscode.TestItem[] = [];
    for (const uri of files.sort((a, b) => a.fsPath.localeCompare(b.fsPath))) {
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
      const examples = exampleLocations(text);
      if (examples.length === 0) continue;
      // Existing items are updated in place: a run in progress keeps reporting to the same objects.
      const file = this.controller.items.get(uri.fsPath) ?? this.controller.createTestItem(uri.fsPath, vscode.workspace.asRelativePath(uri), uri);
      const children = examples.map((example, i) => {
        const id = `${uri.fsPath}#${i}`;
        const item = file.children.get(id) ?? this.controller.createTestItem(id, example.label, uri);
        item.label = example.label;
        item.range = new vscode.Range(example.line, 0, example.line, 0);
        item.sortText = String(i).padStart(4, "0");
        return item;
      });
      file.children.replace(children);
      items.push(file);
    }
    this.controller.items.replace(items);
  }

  private async run(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    await this.runOnce(request, token);
    if (!request.continuous) return;
    // Continuous: again after every save of a reward file, until the user stops it.
    await new Promise<void>((resolve) => {
      const saved = vscode.workspace.onDidSaveTextDocument((document) => {
        if (document.fileName.endsWith(".reward.ts")) void this.discover().then(() => this.runOnce(request, token));
      });
      token.onCancellationRequested(() => {
        saved.dispose();
        resolve();
      });
    });
  }

  private async runOnce(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    // "Run all" runs the examples the files hold now: one pinned and saved a moment ago is in the run
    // even if the file watcher has not told us yet (it lagged seconds behind on a loaded machine).
    if (!request.include) await this.discover();
    const run = this.controller.createTestRun(request);
    const wanted = new Set<vscode.TestItem>();
    const add = (item: vscode.TestItem) => (item.children.size === 0 ? wanted.add(item) : item.children.forEach(add));
    (request.include ?? [...this.all()]).forEach(add);
    for (const item of request.exclude ?? []) wanted.delete(item);
    for (const item of wanted) run.enqueued(item);
    try {
      if (!vscode.workspace.isTrusted) {
        for (const item of wanted) run.skipped(item);
        run.appendOutput("Reward examples run reward code: trust the workspace to run them.\r\n");
        return;
      }
      for (const item of wanted) run.started(item);
      const root = this.service.rewardsPath;
      if (!root) return;
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      this.log.info(`Reward examples: running ${wanted.size} (rewardlab test ${root} --json)`);
      const exit = await runCli({ cli: path.join(this.extensionPath, "dist", "cli.js"), args: ["test", root, "--json"], signal: abort.signal });
      this.log.info(`Reward examples: rewardlab test exited ${exit.signal ?? exit.code}`);
      if (exit.aborted) return;
      const last = exit.stdout.trim().split("\n").at(-1) ?? "";
      let cases: CaseResult[];
      try {
        cases = (JSON.parse(last) as { cases: CaseResult[] }).cases;
      } catch {
        // Reward files that do not compile (exit 3) or a crash: every example errs with what the CLI said.
        const message = new vscode.TestMessage(exit.stderr.trim() || `rewardlab test exited (${exit.signal ?? `code ${exit.code}`})`);
        for (const item of wanted) run.errored(item, message);
        return;
      }
      this.report(run, wanted, cases);
    } catch (error) {
      this.log.error("Reward examples: the run failed", error);
      for (const item of wanted) run.errored(item, new vscode.TestMessage((error as Error).message));
    } finally {
      run.end();
    }
  }

  /** Matches each case to its item: the k-th case of a file is the k-th example in its text. */
  private report(run: vscode.TestRun, wanted: Set<vscode.TestItem>, cases: readonly CaseResult[]): void {
    const ordinal = new Map<string, number>();
    const byId = new Map([...wanted].map((item) => [item.id, item]));
    for (const result of cases) {
      const file = path.resolve(process.cwd(), result.file);
      const k = ordinal.get(file) ?? 0;
      ordinal.set(file, k + 1);
      const item = byId.get(`${file}#${k}`);
      if (!item) continue;
      wanted.delete(item);
      run.appendOutput(`${result.ok ? "✔" : "✖"} ${result.reward} example ${result.example}${result.note ? ` (${result.note})` : ""}: expected ${show(result.expect)}, got ${result.error ? `an error: ${result.error}` : show(result.got)}\r\n`);
      if (result.ok) {
        run.passed(item);
        continue;
      }
      const message = result.error
        ? new vscode.TestMessage(`${result.reward} threw: ${result.error}`)
        : vscode.TestMessage.diff(`${result.reward} scored ${show(result.got)}, the example expects ${show(result.expect)}`, show(result.expect), show(result.got));
      if (item.uri && item.range) message.location = new vscode.Location(item.uri, item.range);
      run.failed(item, message);
    }
    // Examples the CLI did not report (a reward that failed to load, an unparsed array).
    for (const item of wanted) run.skipped(item);
  }

  private *all(): Iterable<vscode.TestItem> {
    for (const [, item] of this.controller.items) yield item;
  }
}
