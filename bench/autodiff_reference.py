"""PyTorch reference for bench/autodiff.bench.ts: the same decoder (pre-norm GPT, fused QKV,
learned positions, exact (erf) GELU, additive causal mask, untied head), one training step
(forward + backward + AdamW) on CPU with 2 threads. Prints one JSON line.

Run by the benchmark with Debian's torch: apt-get install -y python3-torch libopenblas0-pthread,
then /usr/bin/python3 (without OpenBLAS torch falls back to reference BLAS, ~50x slower)."""
import json, math, resource, sys, time
import torch
from safetensors_io import load_safetensors

cfg = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
V, D, L, H, T, B = (cfg.get(k, d) for k, d in [("vocab", 128), ("dModel", 256), ("layers", 4), ("heads", 4), ("seq", 192), ("batch", 16)])
steps, warmup, threads = cfg.get("steps", 4), cfg.get("warmup", 2), cfg.get("threads", 2)
torch.set_num_threads(threads)
torch.manual_seed(0)
nn, F = torch.nn, torch.nn.functional

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(D), nn.LayerNorm(D)
        self.qkv, self.out = nn.Linear(D, 3 * D), nn.Linear(D, D)
        self.up, self.down = nn.Linear(D, 4 * D), nn.Linear(4 * D, D)

    def forward(self, x, mask):
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(b, t, 3, H, d // H).permute(2, 0, 3, 1, 4)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d // H) + mask, dim=-1)
        x = x + self.out((att @ v).transpose(1, 2).reshape(b, t, d))
        return x + self.down(F.gelu(self.up(self.ln2(x))))

class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(V, D), nn.Embedding(T, D)
        self.blocks = nn.ModuleList(Block() for _ in range(L))
        self.lnf, self.head = nn.LayerNorm(D), nn.Linear(D, V, bias=False)

    def forward(self, tokens, targets):
        mask = torch.triu(torch.full((T, T), -1e9), diagonal=1)
        x = self.wte(tokens) + self.wpe.weight[: tokens.shape[1]]
        for blk in self.blocks:
            x = blk(x, mask)
        logits = self.head(self.lnf(x))
        return F.cross_entropy(logits.view(-1, V), targets.view(-1))



def load_weights(model, path):
    """Copies the benchmark's initial weights (names and [in, out] layout of src/ir/nn.ts) into the
    model, so both sides start from the same point and their losses can be compared step by step."""
    w = load_safetensors(path)
    targets = {"wte": model.wte.weight, "wpe": model.wpe.weight, "lnf.g": model.lnf.weight, "lnf.b": model.lnf.bias, "head.w": model.head.weight}
    for i, blk in enumerate(model.blocks):
        for ours, layer in [("attn.qkv", blk.qkv), ("attn.out", blk.out), ("mlp.up", blk.up), ("mlp.down", blk.down)]:
            targets[f"h{i}.{ours}.w"], targets[f"h{i}.{ours}.b"] = layer.weight, layer.bias
        for ours, norm in [("ln1", blk.ln1), ("ln2", blk.ln2)]:
            targets[f"h{i}.{ours}.g"], targets[f"h{i}.{ours}.b"] = norm.weight, norm.bias
    if set(targets) != set(w):
        raise SystemExit(f"weights file does not match the model: {sorted(set(targets) ^ set(w))}")
    with torch.no_grad():
        for name, p in targets.items():
            # nn.Linear stores [out, in]; ours are [in, out].
            p.copy_(w[name].t() if name.endswith(".w") else w[name])


model = Decoder()
if cfg.get("weights"):
    load_weights(model, cfg["weights"])
# Weight decay on matrices only (embeddings included), as the benchmark's AdamW (decayMatrices).
params = list(model.parameters())
opt = torch.optim.AdamW([{"params": [p for p in params if p.dim() >= 2]}, {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}], lr=1e-3, weight_decay=0.01)
tokens = (torch.arange(B * T) * 7 % V).view(B, T)


def step():
    t0 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    loss = model(tokens, tokens)
    loss.backward()
    opt.step()
    return time.perf_counter() - t0, loss.item()


def matmul_gflops(n=1024, reps=10):
    a = torch.randn(n, n)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        a @ a
        times.append(time.perf_counter() - t0)
    return 2 * n**3 / sorted(times)[reps // 2] / 1e9


def summary(times, loss):
    return {
        "torch": torch.__version__,
        "params": sum(p.numel() for p in model.parameters()),
        "step_s": sorted(times)[len(times) // 2],
        "best_step_s": min(times),
        "tokens_per_s": B * T / sorted(times)[len(times) // 2],
        "loss": loss,
        "matmul_gflops": matmul_gflops(),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


if cfg.get("interleaved"):
    # Driven by the benchmark one step at a time ("step" / "done" on stdin), so that its steps and
    # ours alternate and see the same machine load.
    print(json.dumps({"ready": True}), flush=True)
    times, loss = [], 0.0
    for line in sys.stdin:
        if line.strip() == "step":
            dt, loss = step()
            times.append(dt)
            print(json.dumps({"step_s": dt, "loss": loss}), flush=True)
        else:
            print(json.dumps(summary(times[warmup:], loss)), flush=True)
            break
else:
    runs = [step() for _ in range(warmup + steps)]
    print(json.dumps(summary([t for t, _ in runs[warmup:]], runs[-1][1])))
