"""PyTorch peer of the fast-weights RNN benchmarks (Ba, Hinton, Mnih, Leibo, Ionescu, NIPS 2016, section 3).

Written for this project from the paper's equations:
    a     = W h(t) + C x(t) + b
    h_0   = relu(a)
    h_s+1 = relu(LN[a + A(t) h_s]),  s = 0..S-1,    h(t+1) = h_S
    A(t+1) = lam A(t) + eta h(t+1) h(t+1)^T
Two formulations of A(t) h_s:
  explicit : keep A as a batch x R x R tensor (what the public implementations do), one bmm per inner step;
  efficient: never form A; A(t) h_s = eta sum_tau lam^(t-tau) h(tau) (h(tau)^T h_s), attention over the past
             hidden states (two bmm's over the t stored states).
Network of section 4.1: embedding 100 -> fw-rnn with layer norm -> 100 ReLU -> 10-way softmax; Adam, global-norm
clipping 5. Batched throughout (no Python loop over the batch); the input projection of the whole sequence is one
matmul; the loop over time is the only Python loop. Streaming inference runs under torch.no_grad().

Usage: python3 fwrnn.py train|stream|scaling [--hidden 50] [--form explicit|efficient] [--threads 2] ...
Prints one JSON line per measurement, in the same format as the C# side.
"""
import argparse
import math
import statistics
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from peer_timing import emit, peak_rss_mib, per_call_ms

VOCAB = 37          # 26 letters, 10 digits, '?'
CLASSES = 10
FIRST_DIGIT = 26
QUERY = 36


def sample_batch(gen, batch, pairs):
    """Associative retrieval (K pairs): c9k8j3f1??c -> 9, as token ids [batch, 2K+3] and targets [batch]."""
    keys = torch.argsort(torch.rand(batch, 26, generator=gen), dim=1)[:, :pairs]
    values = torch.randint(0, 10, (batch, pairs), generator=gen)
    length = 2 * pairs + 3
    ids = torch.empty(batch, length, dtype=torch.long)
    ids[:, 0:2 * pairs:2] = keys
    ids[:, 1:2 * pairs:2] = FIRST_DIGIT + values
    ids[:, 2 * pairs] = QUERY
    ids[:, 2 * pairs + 1] = QUERY
    q = torch.randint(0, pairs, (batch,), generator=gen)
    ids[:, 2 * pairs + 2] = keys.gather(1, q[:, None])[:, 0]
    return ids, values.gather(1, q[:, None])[:, 0]


def recur_explicit(u, w, gain, bias, lam: float, eta: float, inner: int):
    """u: [B, T, R] projected inputs; returns the last hidden state [B, R]. A is materialised, B x R x R."""
    batch, steps, r = u.shape
    h = u.new_zeros(batch, r)
    big_a = u.new_zeros(batch, r, r)
    for t in range(steps):
        a = torch.addmm(u[:, t], h, w.t())
        hs = torch.relu(a)
        for _ in range(inner):
            z = a if t == 0 else a + torch.bmm(big_a, hs.unsqueeze(2)).squeeze(2)
            hs = torch.relu(F.layer_norm(z, (r,), gain, bias, 1e-5))
        h = hs
        if t < steps - 1:
            big_a = torch.baddbmm(big_a, h.unsqueeze(2), h.unsqueeze(1), beta=lam, alpha=eta)
    return h


def recur_efficient(u, w, gain, bias, lam: float, eta: float, inner: int):
    """As recur_explicit, with A(t) h_s = eta sum_tau lam^(t-tau) h(tau) (h(tau) . h_s) over the stored states."""
    batch, steps, r = u.shape
    h = u.new_zeros(batch, r)
    past = [h]
    # rev[i] = eta lam^(T-1-i), so rev[T-t:] = eta lam^(t-1-j) for j = 0..t-1
    rev = eta * torch.pow(torch.full([steps], lam, dtype=u.dtype), torch.arange(steps - 1, -1, -1, dtype=u.dtype))
    past.clear()
    mem = h.unsqueeze(1)
    coef = rev
    for t in range(steps):
        a = torch.addmm(u[:, t], h, w.t())
        hs = torch.relu(a)
        if t > 0:
            mem = torch.stack(past, dim=1)                                     # [B, t, R]
            coef = rev[steps - t:]
        for _ in range(inner):
            if t == 0:
                z = a
            else:
                scores = torch.bmm(mem, hs.unsqueeze(2)).squeeze(2) * coef     # [B, t]
                z = a + torch.bmm(scores.unsqueeze(1), mem).squeeze(1)
            hs = torch.relu(F.layer_norm(z, (r,), gain, bias, 1e-5))
        h = hs
        past.append(h)
    return h


class Network(nn.Module):
    def __init__(self, hidden, form, lam=0.95, eta=0.5, inner=1, embedding=100):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, embedding)
        self.input = nn.Linear(embedding, hidden)                 # C, b
        self.recurrent_weight = nn.Parameter(0.05 * torch.eye(hidden))
        self.ln_gain = nn.Parameter(torch.ones(hidden))
        self.ln_bias = nn.Parameter(torch.zeros(hidden))
        self.hidden = nn.Linear(hidden, 100)
        self.output = nn.Linear(100, CLASSES)
        self.form, self.lam, self.eta, self.inner = form, lam, eta, inner
        self.recur = recur_explicit if form == "explicit" else recur_efficient

    def forward(self, ids):
        u = self.input(self.embedding(ids))                        # [B, T, R], one matmul for the whole sequence
        h = self.recur(u, self.recurrent_weight, self.ln_gain, self.ln_bias, self.lam, self.eta, self.inner)
        return self.output(torch.relu(self.hidden(h)))


def train(args):
    gen = torch.Generator().manual_seed(1)
    torch.manual_seed(1)
    net = Network(args.hidden, args.form, inner=args.inner)
    if args.jit:
        net.recur = torch.jit.script(net.recur)
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    pool = [sample_batch(gen, args.batch, args.pairs) for _ in range(16)]
    state = {"i": 0, "loss": 0.0}

    def step():
        ids, targets = pool[state["i"] % len(pool)]
        state["i"] += 1
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(ids), targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()
        state["loss"] = loss.item()

    cpu = []
    ms = per_call_ms(step, args.warmup, args.samples, args.sample_ms / 1000.0, cpu)
    emit(workload="fwrnn-train", impl="torch", variant=args.form + ("-jit" if args.jit else ""), hidden=args.hidden,
         batch=args.batch, length=2 * args.pairs + 3, threads=torch.get_num_threads(), ms=statistics.median(ms), cpu_ms=cpu[0],
         samples=ms, peak_rss_mib=peak_rss_mib(), loss=state["loss"], torch=torch.__version__)


def stream(args):
    """Batch 1, one token at a time: logits after every token; the state is reset every --length tokens."""
    torch.manual_seed(1)
    net = Network(args.hidden, args.form)
    r = args.hidden
    gen = torch.Generator().manual_seed(2)
    tokens = torch.randint(0, VOCAB, (args.length,), generator=gen).tolist()
    with torch.no_grad():
        table = net.input(net.embedding.weight)           # projected embedding table, once: [V, R]
        w, g, b = net.recurrent_weight, net.ln_gain, net.ln_bias
        w1, b1, w2, b2 = net.hidden.weight, net.hidden.bias, net.output.weight, net.output.bias
        lam, eta = net.lam, net.eta
        h = torch.zeros(r)
        big_a = torch.zeros(r, r)
        past = torch.zeros(args.length, r)
        coef = torch.tensor([eta * lam ** k for k in range(args.length)]).flip(0)   # coef[L-1-k] = eta lam^k

        def run_explicit():
            nonlocal h
            h.zero_()
            big_a.zero_()
            for tok in tokens:
                a = torch.addmv(table[tok], w, h)
                z = torch.addmv(a, big_a, torch.relu(a))
                h = torch.relu(F.layer_norm(z, (r,), g, b, 1e-5))
                big_a.mul_(lam).addr_(h, h, alpha=eta)
                logits = torch.addmv(b2, w2, torch.relu(torch.addmv(b1, w1, h)))
            return logits

        def run_efficient():
            nonlocal h
            h.zero_()
            n = args.length
            for t, tok in enumerate(tokens):
                a = torch.addmv(table[tok], w, h)
                hs = torch.relu(a)
                if t > 0:
                    mem = past[:t]
                    scores = torch.mv(mem, hs) * coef[n - t:]
                    z = torch.addmv(a, mem.t(), scores)
                else:
                    z = a
                h = torch.relu(F.layer_norm(z, (r,), g, b, 1e-5))
                past[t] = h
                logits = torch.addmv(b2, w2, torch.relu(torch.addmv(b1, w1, h)))
            return logits

        fn = run_explicit if args.form == "explicit" else run_efficient
        cpu = []
        ms = per_call_ms(fn, 2, args.samples, args.sample_ms / 1000.0, cpu)
    us = [m * 1000.0 / args.length for m in ms]
    emit(workload="fwrnn-stream", impl="torch", variant=args.form, hidden=r, batch=1, length=args.length,
         threads=torch.get_num_threads(), us=statistics.median(us), cpu_us=cpu[0] * 1000.0 / args.length, samples=us, peak_rss_mib=peak_rss_mib(),
         torch=torch.__version__)


def smoke(args):
    """Every workload of this script once at a tiny size (for the test suite), in one process."""
    for mode in (train, stream):
        for form in ("explicit", "efficient"):
            mode(argparse.Namespace(**{**vars(args), "form": form, "hidden": 8, "batch": 4, "length": 8,
                                       "samples": 1, "sample_ms": 0.0, "warmup": 1}))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["train", "stream", "smoke"])
    p.add_argument("--hidden", type=int, default=50)
    p.add_argument("--form", choices=["explicit", "efficient"], default="efficient")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--pairs", type=int, default=4)
    p.add_argument("--inner", type=int, default=1)
    p.add_argument("--length", type=int, default=256, help="stream: tokens per stream")
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: leave the default)")
    p.add_argument("--jit", action="store_true", help="torch.jit.script the recurrence")
    p.add_argument("--samples", type=int, default=7)
    p.add_argument("--sample-ms", type=float, default=300)
    p.add_argument("--warmup", type=int, default=10)
    args = p.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    {"train": train, "stream": stream, "smoke": smoke}[args.mode](args)


if __name__ == "__main__":
    sys.exit(main())
