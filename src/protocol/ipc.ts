/**
 * Typed messages between the extension host and webviews (GitLens-style): each message type is
 * declared once with its payload, and both sides dispatch on `type`. Types only: no runtime code.
 */
export interface IpcMessage<Type extends string, Payload> {
  type: Type;
  payload: Payload;
}

/** Every webview posts this once its script has run; the host waits for it before posting. */
export type ReadyMessage = IpcMessage<"ready", Record<string, never>>;
