/**
 * How responsive the extension host stayed while a training ran. The trainer runs in its own
 * process precisely so that ONNX Runtime's blocking run() never stalls the editor; this measures
 * that claim instead of assuming it: the event-loop delay of the extension host (how late a timer
 * fires, the wait any command or view request would see on top of its own work), summarised when
 * the run ends and written to the RewardLab output channel. No vscode, so it is unit-tested.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";

export interface DelaySummary {
  /** How long it was measured, in seconds. */
  seconds: number;
  /** Event-loop delay beyond the sampling interval (0 = on time): percentiles and maximum, in ms. */
  p50: number;
  p99: number;
  max: number;
}

/** Samples the event-loop delay from construction until `stop()`. */
export class EventLoopProbe {
  private readonly histogram: IntervalHistogram;
  private readonly began = performance.now();
  private summary: DelaySummary | undefined;

  /** `resolutionMs`: how often the loop is sampled (Node's default is 10 ms). */
  constructor(private readonly resolutionMs = 20) {
    this.histogram = monitorEventLoopDelay({ resolution: resolutionMs });
    this.histogram.enable();
  }

  /** Stops sampling and returns the summary (the same one on later calls). */
  stop(): DelaySummary {
    if (this.summary) return this.summary;
    this.histogram.disable();
    // The histogram holds whole timer intervals (an idle loop reads `resolutionMs`): keep the lateness.
    const ms = (ns: number) => Math.max(0, Math.round((ns / 1e6 - this.resolutionMs) * 10) / 10);
    const seen = this.histogram.count > 0;
    this.summary = {
      seconds: Math.round((performance.now() - this.began) / 100) / 10,
      p50: seen ? ms(this.histogram.percentile(50)) : 0,
      p99: seen ? ms(this.histogram.percentile(99)) : 0,
      max: seen ? ms(this.histogram.max) : 0,
    };
    return this.summary;
  }
}

/** "event-loop delay p50 0.1 ms, p99 5.3 ms, max 11 ms over 42 s" */
export function formatDelay(summary: DelaySummary): string {
  return `event-loop delay p50 ${summary.p50} ms, p99 ${summary.p99} ms, max ${summary.max} ms over ${summary.seconds} s`;
}
