/**
 * The dashboard's side of the typed channel: posts DashboardToHost messages and dispatches
 * HostToDashboard messages to one handler per type.
 */
import type { DashboardToHostMessage, HostToDashboardMessage } from "../../src/protocol/dashboard";

interface VsCodeApi {
  postMessage(message: DashboardToHostMessage): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

type Handlers = { [T in HostToDashboardMessage["type"]]: (payload: Extract<HostToDashboardMessage, { type: T }>["payload"]) => void };

export class Host {
  private readonly api = acquireVsCodeApi();

  constructor(handlers: Handlers) {
    window.addEventListener("message", (event: MessageEvent<HostToDashboardMessage>) => {
      const message = event.data;
      const handler = handlers[message?.type] as ((payload: unknown) => void) | undefined;
      handler?.(message.payload);
    });
  }

  post(message: DashboardToHostMessage): void {
    this.api.postMessage(message);
  }
}
