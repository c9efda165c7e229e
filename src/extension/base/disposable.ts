import type * as vscode from "vscode";

/**
 * Base for everything the extension creates: whatever a subclass `register()`s is disposed with it,
 * in reverse order, so `activate` can hand one object to `context.subscriptions`.
 */
export abstract class Disposable implements vscode.Disposable {
  private readonly owned: { dispose(): unknown }[] = [];
  private disposed = false;

  /** Takes ownership of `disposable` and returns it. Disposes it at once if this is already disposed. */
  protected register<T extends { dispose(): unknown }>(disposable: T): T {
    if (this.disposed) disposable.dispose();
    else this.owned.push(disposable);
    return disposable;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    while (this.owned.length > 0) {
      try {
        this.owned.pop()?.dispose();
      } catch {
        // One failing dispose must not keep the others alive.
      }
    }
  }
}
