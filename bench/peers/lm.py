"""PyTorch peer of the language-model benchmarks, written for this project: the byte-level LMs of the catalog.

Both models are the project's SequenceModel: token embedding (+ learned positions for the transformer), pre-norm
blocks  h = x + mixer(LN x);  y = h + W2 relu(W1 LN h + b1) + b2  (MLP D -> 2D -> D), a final LayerNorm and a linear head.
  deltanet:     q, k, v = W x (no bias), short causal depthwise conv (4 taps, bias) + SiLU, L2-normalised q, k per
                head, beta = sigmoid(w_beta x + b), the delta rule in its chunkwise form (deltanet.py's chunk_delta,
                chunk 64), per-head LayerNorm of o, W_o (no bias).
  transformer:  q, k, v, o projections without bias, causal softmax attention with scores / sqrt(d_head).
Modes:
  train     cross-entropy at every position, backward, clip_grad_norm_(5), Adam; ms per step (random bytes)
  generate  batch 1, one token at a time under no_grad, us per token (transformer: a key-value cache;
            deltanet: deltanet.py's StreamingDeltaNet)
Prints one JSON line per measurement, in the same format as the C# side.
"""
import argparse
import math
import statistics

import torch
import torch.nn as nn
import torch.nn.functional as F

from deltanet import StreamingDeltaNet, chunk_delta
from peer_timing import emit, peak_rss_mib, per_call_ms


class DeltaNetMixer(nn.Module):
    def __init__(self, d, heads, conv=4):
        super().__init__()
        self.d, self.h, self.conv = d, heads, conv
        self.qkv = nn.Linear(d, 3 * d, bias=False)
        self.conv_w = nn.Parameter(torch.randn(3 * d, 1, conv) / math.sqrt(conv))
        self.conv_b = nn.Parameter(torch.zeros(3 * d))
        self.beta = nn.Linear(d, heads)
        self.out_norm = nn.LayerNorm(d // heads)
        self.out = nn.Linear(d, d, bias=False)

    def forward(self, x):
        b, t, d = x.shape
        h, dh = self.h, d // self.h
        u = self.qkv(x).transpose(1, 2)                                                   # [B, 3D, T]
        u = F.conv1d(F.pad(u, (self.conv - 1, 0)), self.conv_w, self.conv_b, groups=3 * d)  # causal depthwise
        q, k, v = F.silu(u).transpose(1, 2).split(d, dim=-1)
        heads = lambda z: z.reshape(b, t, h, dh).transpose(1, 2)                           # noqa: E731
        q = F.normalize(heads(q), dim=-1, eps=1e-6)
        k = F.normalize(heads(k), dim=-1, eps=1e-6)
        beta = torch.sigmoid(self.beta(x)).transpose(1, 2)                                 # [B, H, T]
        o, _ = chunk_delta(q, k, heads(v), beta, chunk=64)
        return self.out(self.out_norm(o).transpose(1, 2).reshape(b, t, d))


class AttentionMixer(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.h = heads
        self.qkv = nn.Linear(d, 3 * d, bias=False)
        self.out = nn.Linear(d, d, bias=False)

    def forward(self, x):
        b, t, d = x.shape
        h, dh = self.h, d // self.h
        q, k, v = (z.reshape(b, t, h, dh).transpose(1, 2) for z in self.qkv(x).split(d, dim=-1))
        s = (q @ k.transpose(-1, -2)) / math.sqrt(dh)
        mask = torch.ones(t, t, dtype=torch.bool).triu(1)
        o = torch.softmax(s.masked_fill(mask, -math.inf), dim=-1) @ v
        return self.out(o.transpose(1, 2).reshape(b, t, d))

    def step(self, x, cache):
        """x [D] for one token; cache: lists of keys and values [H, d_head] per earlier token (appended)."""
        d = x.shape[-1]
        h, dh = self.h, d // self.h
        q, k, v = (z.view(h, dh) for z in self.qkv(x).split(d))
        cache[0].append(k)
        cache[1].append(v)
        keys, values = torch.stack(cache[0], 1), torch.stack(cache[1], 1)                 # [H, n, d_head]
        w = torch.softmax((keys @ q.unsqueeze(-1)).squeeze(-1) / math.sqrt(dh), dim=-1)    # [H, n]
        return self.out((w.unsqueeze(1) @ values).squeeze(1).reshape(d))


class Block(nn.Module):
    def __init__(self, d, mixer, mlp_ratio=2):
        super().__init__()
        self.n1, self.mixer, self.n2 = nn.LayerNorm(d), mixer, nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, mlp_ratio * d), nn.ReLU(), nn.Linear(mlp_ratio * d, d))

    def forward(self, x):
        x = x + self.mixer(self.n1(x))
        return x + self.mlp(self.n2(x))


class LM(nn.Module):
    def __init__(self, kind, d, heads, layers, positions, vocab=256):
        super().__init__()
        self.embedding = nn.Embedding(vocab, d)
        self.positions = nn.Parameter(torch.randn(positions, d) * 0.02) if kind == "transformer" else None
        make = (lambda: AttentionMixer(d, heads)) if kind == "transformer" else (lambda: DeltaNetMixer(d, heads))  # noqa: E731
        self.blocks = nn.ModuleList(Block(d, make()) for _ in range(layers))
        self.final = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab)

    def forward(self, ids):
        x = self.embedding(ids)
        if self.positions is not None:
            x = x + self.positions[: ids.shape[1]]
        for block in self.blocks:
            x = block(x)
        return self.head(self.final(x))

    def step(self, token, position, caches):
        x = self.embedding.weight[token] + self.positions[position]
        for block, cache in zip(self.blocks, caches):
            x = x + block.mixer.step(block.n1(x), cache)
            x = x + block.mlp(block.n2(x))
        return self.head(self.final(x))


def train(args):
    torch.manual_seed(1)
    model = LM(args.model, args.model_dim, args.heads, args.layers, args.context)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(2)
    last = {}

    def step():
        ids = torch.randint(0, 256, (args.batch, args.context), generator=gen)
        targets = torch.randint(0, 256, (args.batch, args.context), generator=gen)
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(ids).reshape(-1, 256), targets.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()
        last["loss"] = float(loss)

    cpu = []
    ms = per_call_ms(step, args.warmup, args.samples, args.sample_ms / 1000.0, cpu)
    emit(workload="lm-train", impl="torch", variant=args.model, batch=args.batch, context=args.context,
         model_dim=args.model_dim, heads=args.heads, layers=args.layers, threads=torch.get_num_threads(),
         parameters=sum(p.numel() for p in model.parameters()), ms=statistics.median(ms), cpu_ms=cpu[0], samples=ms,
         tokens_per_second=args.batch * args.context / (statistics.median(ms) / 1000.0), peak_rss_mib=peak_rss_mib(),
         loss=last["loss"], torch=torch.__version__)


def generate(args):
    gen = torch.Generator().manual_seed(2)
    tokens = torch.randint(0, 256, (args.length,), generator=gen).tolist()
    last = {}
    if args.model == "transformer":
        torch.manual_seed(1)
        model = LM("transformer", args.model_dim, args.heads, args.layers, args.length)

        def run():
            caches = [([], []) for _ in model.blocks]
            for i, tok in enumerate(tokens):
                last["logits"] = model.step(tok, i, caches)
    else:
        model = StreamingDeltaNet(256, 256, args.model_dim, args.heads, args.layers)

        def run():
            model.reset()
            for tok in tokens:
                last["logits"] = model.step(tok)

    with torch.no_grad():
        cpu = []
        ms = per_call_ms(run, 2, args.samples, args.sample_ms / 1000.0, cpu)
    us = [m * 1000.0 / args.length for m in ms]
    emit(workload="lm-generate", impl="torch", variant=args.model, model_dim=args.model_dim, heads=args.heads,
         layers=args.layers, batch=1, length=args.length, threads=torch.get_num_threads(), us=statistics.median(us),
         cpu_us=cpu[0] * 1000.0 / args.length, samples=us, peak_rss_mib=peak_rss_mib(),
         logit0=float(last["logits"][0]), torch=torch.__version__)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["train", "generate"])
    p.add_argument("--model", choices=["deltanet", "transformer"], default="deltanet")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--context", type=int, default=256)
    p.add_argument("--length", type=int, default=256)
    p.add_argument("--model-dim", type=int, default=256)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: leave the default)")
    p.add_argument("--samples", type=int, default=5)
    p.add_argument("--sample-ms", type=float, default=300)
    p.add_argument("--warmup", type=int, default=2)
    args = p.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    {"train": train, "generate": generate}[args.mode](args)


if __name__ == "__main__":
    main()
