/**
 * The webview's side of the typed channel: posts ViewerToHost messages, dispatches HostToViewer
 * messages to one handler per type, and pairs replies with requests by `requestId`.
 */
import type { HostToViewerMessage, ViewerToHostMessage } from "../../src/protocol/traceViewer";

interface VsCodeApi {
  postMessage(message: ViewerToHostMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

type Handlers = { [T in HostToViewerMessage["type"]]: (payload: Extract<HostToViewerMessage, { type: T }>["payload"]) => void };

export class Host {
  private readonly api = acquireVsCodeApi();
  private nextRequest = 1;

  constructor(handlers: Handlers) {
    window.addEventListener("message", (event: MessageEvent<HostToViewerMessage>) => {
      const message = event.data;
      const handler = handlers[message?.type] as ((payload: unknown) => void) | undefined;
      handler?.(message.payload);
    });
  }

  /** A fresh id; replies carry it back so stale answers (an older query) can be dropped. */
  requestId(): number {
    return this.nextRequest++;
  }

  post(message: ViewerToHostMessage): void {
    this.api.postMessage(message);
  }

  get state(): unknown {
    return this.api.getState();
  }
  set state(value: unknown) {
    this.api.setState(value);
  }
}
