"""PyTorch peer of the DeltaNet benchmarks, written for this project from the papers' equations.

DeltaNet (Schlag, Irie, Schmidhuber 2021; chunkwise form of Yang, Wang, Zhang, Shen, Kim 2024), per head,
state S (d_v x d_k):   S_t = S_{t-1} + beta_t (v_t - S_{t-1} k_t) k_t^T,   o_t = S_t q_t.
Gated DeltaNet (Yang, Kautz, Hatamizadeh 2024):   S_t = alpha_t S_{t-1} (I - beta_t k_t k_t^T) + beta_t v_t k_t^T.

Chunkwise form (chunks of C tokens; rows are tokens; gamma_i = sum_{j<=i} log alpha_j within the chunk,
g_i = exp(gamma_i), e_j = exp(gamma_C - gamma_j), D_ij = exp(gamma_i - gamma_j) for j <= i, all 1 when not gated):
    A   = strict_lower( diag(beta) K K^T * D )                 (C x C)
    T   = (I + A)^-1 diag(beta)                                  (UT transform)
    W   = T diag(g) K,   U = T V                                 (WY representation)
    U'  = U - W S^T                                              (pseudo-values, need the incoming state)
    O   = (Q K^T * D, lower incl. diagonal) U' + diag(g) Q S^T
    S'  = g_C S + U'^T diag(e) K
Everything that does not depend on the state (A, T, W, U, the masked intra-chunk scores) is computed for all
chunks and all B*H heads at once; the loop over chunks (the state recurrence) is the only Python loop, with one
bmm for [diag(g)Q; W] S^T, one for the intra-chunk scores times U' and one for the state update per chunk.
(I + A)^-1 applied to [beta K g, beta V] is one batched torch.linalg.solve_triangular (unitriangular); the
row-by-row forward substitution (--inverse rows) was measured slower (see docs/benchmarks.md).

Modes:
  op      chunkwise op forward + backward (random upstream gradient), ms per call
  stream  2-layer DeltaNet language model, batch 1, one token at a time under no_grad, us per token
  attn    causal softmax attention forward + backward (scaling comparison), ms per call
  check   asserts the chunkwise op (both rules, values and gradients) against a step-by-step recurrent reference,
          and with --compare FILE against a dump of our op's inputs, outputs and gradients
  smoke   every mode once at a tiny size
Prints one JSON line per measurement, in the same format as the C# side.
"""
import argparse
import math
import statistics
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from peer_timing import emit, peak_rss_mib, per_call_ms


# ----------------------------------------------------------------------------------------------- the chunkwise op

def chunk_delta(q, k, v, beta, alpha=None, chunk=64, inverse="solve"):
    """q, k: [B, H, T, dk]; v: [B, H, T, dv]; beta, alpha: [B, H, T]. Returns o [B, H, T, dv] and S_T [B, H, dv, dk]."""
    b, h, t, dk = q.shape
    dv = v.shape[-1]
    if t % chunk != 0:
        raise ValueError("length must be a multiple of the chunk size")
    n, c = t // chunk, chunk
    bh = b * h
    q = q.reshape(bh, n, c, dk)
    k = k.reshape(bh, n, c, dk)
    v = v.reshape(bh, n, c, dv)
    beta = beta.reshape(bh, n, c, 1)
    lower_strict = torch.ones(c, c, dtype=torch.bool).tril(-1)
    lower = torch.ones(c, c, dtype=torch.bool).tril()
    if alpha is not None:
        gamma = torch.cumsum(torch.log(alpha.reshape(bh, n, c)), dim=-1)                     # [BH, n, C]
        diff = (gamma.unsqueeze(-1) - gamma.unsqueeze(-2)).masked_fill(~lower, -math.inf)    # only ratios <= 1
        decay = diff.exp()                                                                 # D, 0 above the diagonal
        g = gamma.exp().unsqueeze(-1)                                                      # [BH, n, C, 1]
        e = (gamma[..., -1:] - gamma).exp().unsqueeze(-1)
        g_last = gamma[..., -1].exp()                                                      # [BH, n]
    kb = k * beta
    kk = kb @ k.transpose(-1, -2)                                                          # diag(beta) K K^T
    a = (kk * decay).masked_fill(~lower_strict, 0) if alpha is not None else kk.masked_fill(~lower_strict, 0)
    rhs = torch.cat([kb * g if alpha is not None else kb, v * beta], dim=-1)               # diag(beta) [diag(g)K, V]
    eye = torch.eye(c, dtype=q.dtype)
    if inverse == "solve":
        wu = torch.linalg.solve_triangular(a + eye, rhs, upper=False, unitriangular=True)
    else:
        # forward substitution over rows: x_i = rhs_i - sum_{l<i} A_il x_l
        rows = [rhs[..., 0, :]]
        for i in range(1, c):
            rows.append(rhs[..., i, :] - (a[..., i, :i].unsqueeze(-2) @ torch.stack(rows, dim=-2)).squeeze(-2))
        wu = torch.stack(rows, dim=-2)
    w, u = wu[..., :dk], wu[..., dk:]
    scores = q @ k.transpose(-1, -2)
    scores = scores * decay if alpha is not None else scores.masked_fill(~lower, 0)
    qw = torch.cat([q * g if alpha is not None else q, w], dim=-2)                          # [BH, n, 2C, dk]
    ke = (k * e) if alpha is not None else k
    state = q.new_zeros(bh, dk, dv)                                                        # S^T (k-major)
    outs = []
    # unbind once (its backward is one stack), not x[:, i] per chunk (each slice's backward writes a full-size zero tensor)
    qw_c, u_c, scores_c, ket_c = qw.unbind(1), u.unbind(1), scores.unbind(1), ke.transpose(-1, -2).unbind(1)
    decay_c = g_last.unbind(1) if alpha is not None else None
    for i in range(n):
        x = qw_c[i] @ state                                                                # [diag(g)Q; W] S^T
        u_prime = u_c[i] - x[:, c:]
        outs.append(torch.baddbmm(x[:, :c], scores_c[i], u_prime))
        if alpha is not None:
            state = torch.baddbmm(state * decay_c[i][:, None, None], ket_c[i], u_prime)
        else:
            state = torch.baddbmm(state, ket_c[i], u_prime)
    o = torch.stack(outs, dim=1).reshape(b, h, t, dv)
    return o, state.transpose(-1, -2).reshape(b, h, dv, dk)


def recurrent_delta(q, k, v, beta, alpha=None):
    """Step-by-step reference (float64 in check): S_t = alpha_t S (I - beta k k^T) + beta v k^T, o_t = S_t q_t."""
    b, h, t, dk = q.shape
    s = q.new_zeros(b, h, v.shape[-1], dk)
    outs = []
    for i in range(t):
        if alpha is not None:
            s = s * alpha[..., i, None, None]
        kt, bt = k[..., i, :], beta[..., i, None]
        s = s + ((bt * (v[..., i, :] - (s @ kt.unsqueeze(-1)).squeeze(-1))).unsqueeze(-1) * kt.unsqueeze(-2))
        outs.append((s @ q[..., i, :].unsqueeze(-1)).squeeze(-1))
    return torch.stack(outs, dim=2), s


def op_inputs(batch, heads, length, dk, dv, gated, seed=1):
    """L2-normalised q, k (as DeltaNet), v ~ N(0, 1), beta = sigmoid(N(0, 1)), alpha = 0.9 + 0.1 sigmoid(N(0, 1)), upstream grad."""
    gen = torch.Generator().manual_seed(seed)
    q = F.normalize(torch.randn(batch, heads, length, dk, generator=gen), dim=-1)
    k = F.normalize(torch.randn(batch, heads, length, dk, generator=gen), dim=-1)
    v = torch.randn(batch, heads, length, dv, generator=gen)
    beta = torch.sigmoid(torch.randn(batch, heads, length, generator=gen))
    alpha = 0.9 + 0.1 * torch.sigmoid(torch.randn(batch, heads, length, generator=gen)) if gated else None
    grad = torch.randn(batch, heads, length, dv, generator=gen)
    leaves = [x.requires_grad_() for x in (q, k, v, beta, alpha) if x is not None]
    return leaves, grad


def op_flops(batch, heads, length, dk, dv, chunk):
    """Forward FLOPs of the chunk algorithm (same formula as the C# side); fwd + bwd is counted as 3x."""
    c = chunk
    per_chunk = 2 * c * c * (3 * dk + 2 * dv) + 6 * c * dk * dv + c ** 3 / 3
    return batch * heads * (length // c) * per_chunk


def op(args):
    leaves, grad = op_inputs(args.batch, args.heads, args.length, args.dk, args.dv, args.gated)
    q, k, v, beta = leaves[:4]
    alpha = leaves[4] if args.gated else None

    def step():
        for x in leaves:
            x.grad = None
        o, _ = chunk_delta(q, k, v, beta, alpha, args.chunk, args.inverse)
        o.backward(grad)

    cpu = []
    ms = per_call_ms(step, args.warmup, args.samples, args.sample_ms / 1000.0, cpu)
    gflop = 3 * op_flops(args.batch, args.heads, args.length, args.dk, args.dv, args.chunk) / 1e9
    emit(workload="deltanet-op", impl="torch", variant=("gated" if args.gated else "delta") + "-" + args.inverse,
         batch=args.batch, heads=args.heads, length=args.length, dk=args.dk, dv=args.dv, chunk=args.chunk,
         threads=torch.get_num_threads(), ms=statistics.median(ms), cpu_ms=cpu[0], samples=ms, gflop=gflop,
         peak_rss_mib=peak_rss_mib(), checksum=float(q.grad.double().sum()), torch=torch.__version__)


def attn(args):
    """Causal softmax attention over q, k, v [B, H, T, d] (scores / sqrt(d), masked, softmax, times V), fwd + bwd."""
    gen = torch.Generator().manual_seed(1)
    shape = (args.batch, args.heads, args.length, args.dk)
    q, k, v = (torch.randn(*shape, generator=gen).requires_grad_() for _ in range(3))
    grad = torch.randn(*shape, generator=gen)
    mask = torch.ones(args.length, args.length, dtype=torch.bool).triu(1)

    def step():
        for x in (q, k, v):
            x.grad = None
        s = (q @ k.transpose(-1, -2)) / math.sqrt(args.dk)
        o = torch.softmax(s.masked_fill(mask, -math.inf), dim=-1) @ v
        o.backward(grad)

    cpu = []
    ms = per_call_ms(step, args.warmup, args.samples, args.sample_ms / 1000.0, cpu)
    emit(workload="deltanet-scaling", impl="torch", variant="softmax-attention", batch=args.batch, heads=args.heads,
         length=args.length, dk=args.dk, threads=torch.get_num_threads(), ms=statistics.median(ms), cpu_ms=cpu[0],
         samples=ms, peak_rss_mib=peak_rss_mib(), torch=torch.__version__)


# ----------------------------------------------------------------------------------------------- streaming model

class StreamingDeltaNet:
    """The project's `deltanet` SequenceModel (pre-norm blocks: x + mixer(LN x), then x + MLP(LN x) with a ReLU MLP
    D -> 2D -> D; final LN; linear head) stepped one token at a time. Mixer: q, k, v = W x (one fused matmul), short
    causal depthwise conv (4 taps, bias) + SiLU, L2-normalised q, k per head, beta = sigmoid(w_beta x + b), the delta
    step on the d_v x d_k state, per-head LayerNorm of o, W_o. Random weights (the speed does not depend on them)."""

    def __init__(self, vocab, classes, d, heads, layers, mlp_ratio=2, conv=4):
        gen = torch.Generator().manual_seed(1)
        r = lambda *s: torch.randn(*s, generator=gen) / math.sqrt(s[-1])   # noqa: E731
        self.d, self.h, self.dh, self.conv = d, heads, d // heads, conv
        self.embedding = torch.randn(vocab, d, generator=gen)
        self.layers = []
        for _ in range(layers):
            self.layers.append(dict(
                n1=(torch.ones(d), torch.zeros(d)), qkv=r(3 * d, d), conv_w=r(3 * d, conv), conv_b=torch.zeros(3 * d),
                beta_w=r(heads, d), beta_b=torch.zeros(heads), on=(torch.ones(self.dh), torch.zeros(self.dh)), out=r(d, d),
                n2=(torch.ones(d), torch.zeros(d)), w1=r(mlp_ratio * d, d), b1=torch.zeros(mlp_ratio * d),
                w2=r(d, mlp_ratio * d), b2=torch.zeros(d)))
        self.final = (torch.ones(d), torch.zeros(d))
        self.head_w, self.head_b = r(classes, d), torch.zeros(classes)
        self.reset()

    def reset(self):
        self.states = [torch.zeros(self.h, self.dh, self.dh) for _ in self.layers]
        self.history = [torch.zeros(3 * self.d, self.conv) for _ in self.layers]      # last `conv` inputs, newest last

    def step(self, token):
        d, h, dh = self.d, self.h, self.dh
        x = self.embedding[token]
        for p, s, hist in zip(self.layers, self.states, self.history):
            y = F.layer_norm(x, (d,), *p["n1"], 1e-5)
            hist[:, :-1] = hist[:, 1:].clone()
            torch.mv(p["qkv"], y, out=hist[:, -1])
            qkv = F.silu((hist * p["conv_w"]).sum(-1) + p["conv_b"])                         # causal depthwise conv
            q = F.normalize(qkv[:d].view(h, dh), dim=-1, eps=1e-6)
            k = F.normalize(qkv[d:2 * d].view(h, dh), dim=-1, eps=1e-6)
            v = qkv[2 * d:].view(h, dh)
            beta = torch.sigmoid(torch.addmv(p["beta_b"], p["beta_w"], y))
            # S <- S + beta (v - S k) k^T;  o = S q      (S: [H, d_v, d_k])
            err = (v - torch.bmm(s, k.unsqueeze(-1)).squeeze(-1)) * beta.unsqueeze(-1)
            s.baddbmm_(err.unsqueeze(-1), k.unsqueeze(-2))
            o = torch.bmm(s, q.unsqueeze(-1)).squeeze(-1)
            o = F.layer_norm(o, (dh,), *p["on"], 1e-5).reshape(d)
            x = x + torch.mv(p["out"], o)
            y = F.layer_norm(x, (d,), *p["n2"], 1e-5)
            x = x + torch.addmv(p["b2"], p["w2"], torch.relu(torch.addmv(p["b1"], p["w1"], y)))
        return torch.addmv(self.head_b, self.head_w, F.layer_norm(x, (d,), *self.final, 1e-5))


def stream(args):
    model = StreamingDeltaNet(args.vocab, args.vocab, args.model_dim, args.heads, args.layers)
    gen = torch.Generator().manual_seed(2)
    tokens = torch.randint(0, args.vocab, (args.length,), generator=gen).tolist()
    last = {}
    with torch.no_grad():
        def run():
            model.reset()
            for tok in tokens:
                last["logits"] = model.step(tok)

        cpu = []
        ms = per_call_ms(run, 2, args.samples, args.sample_ms / 1000.0, cpu)
    us = [m * 1000.0 / args.length for m in ms]
    emit(workload="deltanet-stream", impl="torch", variant="deltanet", model_dim=args.model_dim, heads=args.heads,
         layers=args.layers, batch=1, length=args.length, threads=torch.get_num_threads(), us=statistics.median(us),
         cpu_us=cpu[0] * 1000.0 / args.length, samples=us, peak_rss_mib=peak_rss_mib(),
         logit0=float(last["logits"][0]), torch=torch.__version__)


# ----------------------------------------------------------------------------------------------- checks

def check(args):
    torch.manual_seed(0)
    for gated in (False, True):
        for inverse in ("solve", "rows"):
            leaves, grad = op_inputs(2, 3, 40, 16, 12, gated, seed=3)
            alpha = leaves[4] if gated else None
            o, s = chunk_delta(*leaves[:4], alpha, chunk=8, inverse=inverse)
            o.backward(grad)
            got = [o.detach(), s.detach()] + [x.grad.clone() for x in leaves]
            ref_leaves = [x.detach().double().requires_grad_() for x in leaves]
            ro, rs = recurrent_delta(*ref_leaves[:4], ref_leaves[4] if gated else None)
            ro.backward(grad.double())
            want = [ro.detach(), rs.detach()] + [x.grad for x in ref_leaves]
            names = ["o", "S_T", "dq", "dk", "dv", "dbeta", "dalpha"]
            for name, a, b in zip(names, got, want):
                err = float((a.double() - b).norm() / b.norm())
                assert err < 1e-4, f"{'gated' if gated else 'delta'} {inverse}: {name} relative error {err}"
    print("chunkwise op matches the recurrent reference (delta, gated; solve and rows; values and gradients)")
    if args.compare:
        compare(args.compare)


def compare(path):
    """Reads our op's dump (int32 B, H, T, dk, dv, gated, chunk; float32 q, k, v, beta, [alpha], upstream grad, o,
    dq, dk, dv, dbeta, [dalpha]) and checks that this peer computes the same numbers from the same inputs."""
    with open(path, "rb") as f:
        b, h, t, dk, dv, gated, chunk = struct.unpack("<7i", f.read(28))
        def read(*shape):
            n = int(np.prod(shape))
            return torch.from_numpy(np.frombuffer(f.read(4 * n), dtype="<f4").copy()).reshape(*shape)
        q, k, v, beta = read(b, h, t, dk), read(b, h, t, dk), read(b, h, t, dv), read(b, h, t)
        alpha = read(b, h, t) if gated else None
        grad, o_ours = read(b, h, t, dv), read(b, h, t, dv)
        grads_ours = [read(b, h, t, dk), read(b, h, t, dk), read(b, h, t, dv), read(b, h, t)] + ([read(b, h, t)] if gated else [])
    leaves = [x.requires_grad_() for x in (q, k, v, beta, alpha) if x is not None]
    o, _ = chunk_delta(*leaves[:4], alpha, chunk=chunk)
    o.backward(grad)
    for name, mine, ours in zip(["o", "dq", "dk", "dv", "dbeta", "dalpha"], [o.detach()] + [x.grad for x in leaves], [o_ours] + grads_ours):
        err = float((mine - ours).norm() / ours.norm())
        assert err < 1e-4, f"ours and the peer differ: {name} relative error {err}"
    print(f"ours and the peer agree ({'gated' if gated else 'delta'}, B={b} H={h} T={t} dk={dk} dv={dv}, chunk {chunk})")


def smoke(args):
    base = {**vars(args), "samples": 1, "sample_ms": 0.0, "warmup": 1}
    for gated in (False, True):
        op(argparse.Namespace(**{**base, "gated": gated, "batch": 1, "heads": 2, "length": 64, "dk": 16, "dv": 16, "chunk": 16}))
    attn(argparse.Namespace(**{**base, "batch": 1, "heads": 2, "length": 64, "dk": 16}))
    stream(argparse.Namespace(**{**base, "model_dim": 32, "heads": 2, "layers": 2, "length": 8, "vocab": 16}))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["op", "attn", "stream", "check", "smoke"])
    p.add_argument("--gated", action="store_true", help="op: gated DeltaNet")
    p.add_argument("--inverse", choices=["solve", "rows"], default="solve", help="op: (I + A)^-1 by solve_triangular or row recursion")
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--length", type=int, default=2048)
    p.add_argument("--dk", type=int, default=64)
    p.add_argument("--dv", type=int, default=64)
    p.add_argument("--chunk", type=int, default=64)
    p.add_argument("--model-dim", type=int, default=256)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--vocab", type=int, default=256)
    p.add_argument("--compare", default="", help="check: our op's dump file")
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: leave the default)")
    p.add_argument("--samples", type=int, default=7)
    p.add_argument("--sample-ms", type=float, default=300)
    p.add_argument("--warmup", type=int, default=2)
    args = p.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    {"op": op, "attn": attn, "stream": stream, "check": check, "smoke": smoke}[args.mode](args)


if __name__ == "__main__":
    sys.exit(main())
