/**
 * A webview's side of its typed channel to the extension: posts `Out` messages, dispatches `In`
 * messages (`{ type, payload }`) to one handler per type, keeps the webview's state across
 * reloads, and hands out request ids so replies to an older query can be dropped. Each webview
 * instantiates it with its protocol's message types (src/protocol/).
 */

interface VsCodeApi<Out> {
  postMessage(message: Out): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi<Out>(): VsCodeApi<Out>;

type Message = { type: string; payload?: unknown };

/** The page's JSON data block (`PAGE_DATA_ID`), or undefined when it has none or it does not parse. */
export function readPageData<T>(id: string): T | undefined {
  const block = document.getElementById(id);
  if (!block?.textContent) return undefined;
  try {
    return JSON.parse(block.textContent) as T;
  } catch {
    return undefined;
  }
}

/** One handler per incoming message type, typed by that type's payload. */
export type Handlers<In extends Message> = { [T in In["type"]]: (payload: Extract<In, { type: T }>["payload"]) => void };

export class Host<In extends Message, Out> {
  private readonly api = acquireVsCodeApi<Out>();
  private nextRequest = 1;

  constructor(handlers: Handlers<In>) {
    window.addEventListener("message", (event: MessageEvent<In>) => {
      const message = event.data;
      const handler = (handlers as Record<string, ((payload: unknown) => void) | undefined>)[message?.type];
      handler?.(message.payload);
    });
  }

  /** A fresh id; replies carry it back so stale answers (an older query) can be dropped. */
  requestId(): number {
    return this.nextRequest++;
  }

  post(message: Out): void {
    this.api.postMessage(message);
  }

  get state(): unknown {
    return this.api.getState();
  }
  set state(value: unknown) {
    this.api.setState(value);
  }
}
