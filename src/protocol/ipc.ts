/**
 * Typed messages between the extension host and webviews (GitLens-style): each message type is
 * declared once with its payload, and both sides dispatch on `type`. Types only: no runtime code.
 */
export interface IpcMessage<Type extends string, Payload> {
  type: Type;
  payload: Payload;
}

/**
 * Every webview posts this once its script has run; the host waits for it before posting. The
 * times (ms since the webview document started loading) say where a slow start went.
 */
export type ReadyMessage = IpcMessage<"ready", { scriptStartMs?: number; readyMs?: number }>;

/** The payload of the message of `Type` in the union `Messages`. */
export type PayloadOf<Messages extends IpcMessage<string, unknown>, Type extends Messages["type"]> = Extract<Messages, { type: Type }>["payload"];

/** One handler per message type: a missing handler is a type error, not a silently dropped message. */
export type MessageHandlers<Messages extends IpcMessage<string, unknown>> = {
  [Type in Messages["type"]]: (payload: PayloadOf<Messages, Type>) => void;
};

/**
 * The id of a webview page's JSON data block: what the page shows before it can ask the host (a
 * trace's first rows), written into the HTML by the host (src/extension/traceViewer/html.ts) and
 * read by the webview at start (webview/shared/host.ts `readPageData`).
 */
export const PAGE_DATA_ID = "page-data";
