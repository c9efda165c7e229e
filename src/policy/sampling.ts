// Next-token sampling from one row of logits: temperature, nucleus (top-p), greedy at temperature 0.
// The recorded log-prob and entropy are those of the temperature-scaled distribution before top-p
// truncation: the same distribution the trainer's scoring graph recomputes (logits / temperature),
// as verl does.

export interface SamplingOptions {
  /** 0 = greedy. */
  temperature: number;
  /** Nucleus mass in (0, 1]; 1 = no truncation. */
  topP: number;
}

export interface SampledToken {
  id: number;
  logprob: number;
  entropy: number;
}

/** Reusable buffers for one vocabulary size (sampling runs once per row per decode step). */
export class TokenSampler {
  private readonly probs: Float64Array;
  private readonly order: Int32Array;

  constructor(readonly vocab: number) {
    this.probs = new Float64Array(vocab);
    this.order = new Int32Array(vocab);
  }

  /** Samples from `logits[offset .. offset + vocab)` with `rand() in [0, 1)`. */
  sample(logits: Float32Array, offset: number, options: SamplingOptions, rand: () => number): SampledToken {
    const V = this.vocab;
    const temperature = options.temperature > 0 ? options.temperature : 1;
    let max = -Infinity;
    for (let i = 0; i < V; i++) max = Math.max(max, logits[offset + i]);
    let total = 0;
    for (let i = 0; i < V; i++) {
      const e = Math.exp((logits[offset + i] - max) / temperature);
      this.probs[i] = e;
      total += e;
    }
    let entropy = 0;
    for (let i = 0; i < V; i++) {
      const p = (this.probs[i] /= total);
      if (p > 0) entropy -= p * Math.log(p);
    }
    const id = options.temperature > 0 ? this.draw(options.topP, rand) : this.argmax();
    return { id, logprob: Math.log(this.probs[id]), entropy };
  }

  private argmax(): number {
    let best = 0;
    for (let i = 1; i < this.vocab; i++) if (this.probs[i] > this.probs[best]) best = i;
    return best;
  }

  private draw(topP: number, rand: () => number): number {
    const V = this.vocab;
    if (topP >= 1) {
      let u = rand();
      for (let i = 0; i < V; i++) {
        u -= this.probs[i];
        if (u < 0) return i;
      }
      return this.argmax(); // rounding left a sliver: fall back to the mode
    }
    for (let i = 0; i < V; i++) this.order[i] = i;
    const probs = this.probs;
    const order = Array.from(this.order).sort((a, b) => probs[b] - probs[a]);
    let kept = 0;
    let mass = 0;
    while (kept < V && mass < topP) mass += probs[order[kept++]];
    let u = rand() * mass;
    for (let k = 0; k < kept; k++) {
      u -= probs[order[k]];
      if (u < 0) return order[k];
    }
    return order[0];
  }
}
