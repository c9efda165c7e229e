"""PyTorch reference for bench/generate.bench.ts: the RewardLab policy (src/policy/model.ts) loaded
from the benchmark's model.safetensors, batched greedy generation with a KV cache on CPU.

Same model: 64x64x3 image -> 8x8 patches (reshape/transpose) -> linear + learned patch positions;
text = wte + wpe (positions count from each row's first real prompt token; left padding is masked
with a -1e9 key bias); sequence [image][prompt][response]; pre-norm blocks (LayerNorm eps 1e-5,
fused qkv in GPT-2 column layout q|k|v, causal attention, out proj, exact erf GELU MLP); final
LayerNorm; untied head. Weights are `[in, out]` (x @ w), as the engine stores them.

The cache is preallocated `[B, H, S0 + N, dh]` per layer and each decode step attends to the filled
prefix only (the idiomatic static-cache loop). Driven over stdin by the benchmark ("run" / "done"),
one JSON line per reply, so its runs interleave with ours and see the same machine load.

Torch from Debian: apt-get install -y python3-torch libopenblas0-pthread; run with /usr/bin/python3.
"""
import json, math, resource, sys, time
import torch
from safetensors_io import load_safetensors

F = torch.nn.functional


class Policy:
    """The policy's forward passes over a weight dict (names as in src/policy/model.ts)."""

    def __init__(self, w, cfg):
        self.w, self.cfg = w, cfg
        self.H, self.d = cfg["n_heads"], cfg["d_model"]
        self.dh = self.d // self.H
        self.patch = cfg["image"]["patch"] if cfg.get("image") else 0

    def ln(self, x, name):
        return F.layer_norm(x, (self.d,), self.w[name + ".g"], self.w[name + ".b"], 1e-5)

    def linear(self, x, name):
        return torch.addmm(self.w[name + ".b"], x.reshape(-1, x.shape[-1]), self.w[name + ".w"]).view(*x.shape[:-1], -1)

    def heads(self, x):  # [B, T, d] -> [B, H, T, dh]
        b, t, _ = x.shape
        return x.view(b, t, self.H, self.dh).transpose(1, 2)

    def qkv(self, x, i):
        q, k, v = self.linear(self.ln(x, f"h{i}.ln1"), f"h{i}.attn.qkv").split(self.d, dim=-1)
        return self.heads(q), self.heads(k), self.heads(v)

    def finish_block(self, x, attn, i):  # attn [B, H, T, dh]
        b, _, t, _ = attn.shape
        x = x + self.linear(attn.transpose(1, 2).reshape(b, t, self.d), f"h{i}.attn.out")
        h = F.gelu(self.linear(self.ln(x, f"h{i}.ln2"), f"h{i}.mlp.up"))
        return x + self.linear(h, f"h{i}.mlp.down")

    def logits(self, x):
        return self.ln(x, "lnf") @ self.w["head.w"]

    def embed_image(self, image):  # [B, S, S, 3] -> [B, P, d]
        b, s, p = image.shape[0], image.shape[1], self.patch
        n = s // p
        patches = image.reshape(b, n, p, n, p, 3).permute(0, 1, 3, 2, 4, 5).reshape(b, n * n, p * p * 3)
        return self.linear(patches, "patch") + self.w["patch.pos"]

    def prefill(self, image, tokens, positions, key_bias, cache):
        """Image + left-padded prompts -> last-position logits; fills cache[:, :, :S0]."""
        x = torch.cat([self.embed_image(image), self.w["wte"][tokens] + self.w["wpe"][positions]], dim=1)
        b, s0, _ = x.shape
        keys = torch.cat([torch.zeros(b, s0 - tokens.shape[1]), key_bias], dim=1)
        mask = torch.triu(torch.full((s0, s0), -1e9), diagonal=1) + keys.view(b, 1, 1, s0)
        for i in range(self.cfg["n_layers"]):
            q, k, v = self.qkv(x, i)
            cache[i][0][:, :, :s0], cache[i][1][:, :, :s0] = k, v
            att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.dh) + mask, dim=-1)
            x = self.finish_block(x, att @ v, i)
        return self.logits(x[:, -1])

    def decode(self, token, position, slot, bias, cache):
        """One new token per row at cache slot `slot`; attends to slots [0, slot]."""
        x = (self.w["wte"][token] + self.w["wpe"][position]).unsqueeze(1)
        for i in range(self.cfg["n_layers"]):
            q, k, v = self.qkv(x, i)
            ck, cv = cache[i]
            ck[:, :, slot : slot + 1], cv[:, :, slot : slot + 1] = k, v
            keys, values = ck[:, :, : slot + 1], cv[:, :, : slot + 1]
            att = torch.softmax(q @ keys.transpose(-1, -2) / math.sqrt(self.dh) + bias[:, :, :, : slot + 1], dim=-1)
            x = self.finish_block(x, att @ values, i)
        return self.logits(x[:, 0])


def generate(model, inp, steps, check):
    """Greedy generation of `steps` tokens per row (stops ignored); times prefill and decode."""
    image, tokens, positions, key_bias = inp["image"], inp["prompt_tokens"], inp["prompt_positions"], inp["prompt_key_bias"]
    lengths = (key_bias == 0).sum(dim=1)
    b = tokens.shape[0]
    s0 = model.cfg["image_tokens"] + tokens.shape[1]
    cache = [(torch.zeros(b, model.H, s0 + steps, model.dh), torch.zeros(b, model.H, s0 + steps, model.dh)) for _ in range(model.cfg["n_layers"])]
    bias = torch.zeros(b, 1, 1, s0 + steps)
    bias[:, 0, 0, s0 - tokens.shape[1] : s0] = key_bias
    ids, logprobs = [], []
    with torch.no_grad():
        t0 = time.perf_counter()
        logits = model.prefill(image, tokens, positions, key_bias, cache)
        t1 = time.perf_counter()
        for t in range(steps):
            token = logits.argmax(dim=-1)
            if t < check:
                ids.append(token.tolist())
                logprobs.append(torch.log_softmax(logits, dim=-1).gather(1, token[:, None])[:, 0].tolist())
            if t == steps - 1:
                break  # the last sampled token is never fed back (as in PolicyGenerator)
            logits = model.decode(token, lengths + t, s0 + t, bias, cache)
        t2 = time.perf_counter()
    return {"prefill_s": t1 - t0, "decode_s": t2 - t1, "total_s": t2 - t0, "ids": ids, "logprobs": logprobs}


def main():
    args = json.loads(sys.argv[1])
    torch.set_num_threads(args.get("threads", 2))
    cfg = json.load(open(args["dir"] + "/config.json"))
    cfg["image_tokens"] = (cfg["image"]["size"] // cfg["image"]["patch"]) ** 2 if cfg.get("image") else 0
    model = Policy(load_safetensors(args["dir"] + "/model.safetensors"), cfg)
    inp = load_safetensors(args["dir"] + "/inputs.safetensors")
    print(json.dumps({"ready": True, "torch": torch.__version__}), flush=True)
    for line in sys.stdin:
        if line.strip() != "run":
            break
        print(json.dumps(generate(model, inp, args["steps"], args.get("check", 20))), flush=True)
    print(json.dumps({"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), flush=True)


if __name__ == "__main__":
    main()
