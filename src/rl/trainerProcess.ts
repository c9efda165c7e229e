// Entry of the trainer child process (bundled as dist/trainer.js). ONNX Runtime's run() blocks its
// thread, so training never runs where a UI or a CLI must stay responsive: the parent forks this
// file, sends `start`, receives TrainEvents over IPC, and may send `cancel` (the run stops after the
// current step with a checkpoint). If the parent goes away, the run is cancelled the same way.

import { runTraining } from "./trainer/loop";
import { type ParentMessage, type TrainEvent } from "./trainer/protocol";

const abort = new AbortController();
let started = false;

function emit(event: TrainEvent): void {
  if (process.connected) process.send?.(event);
}

process.on("message", (message: ParentMessage) => {
  if (message.type === "cancel") abort.abort();
  else if (message.type === "start" && !started) {
    started = true;
    void runTraining(message.request, emit, abort.signal).finally(() => {
      // Let the last IPC message flush before leaving.
      setImmediate(() => process.exit(0));
    });
  }
});
process.on("disconnect", () => abort.abort());
process.on("SIGINT", () => abort.abort());
