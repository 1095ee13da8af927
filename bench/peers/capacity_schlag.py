"""Replica of the synthetic capacity experiment of Schlag, Irie & Schmidhuber (2021),
"Linear Transformers Are Secretly Fast Weight Programmers" (ICML'21), restricted to
"setting 2" with the delta update rule ("ours") and the DPFP-1 feature map.

Re-written (not copied) from the released code, github.com/ischlag/fast-weight-transformers
(commit ebe13ea2e6409da91d12d22175f4f6efe8bf2f0a), following:
  synthetic/main.py                        training loop, hyper-parameters, eval, early stopping
  synthetic/linearAttention.py             PrefixSumLinearAttentionModel (dpfp, update_rule="ours")
  synthetic/associativeRetrievalDataset.py DataLoader (get_batch / get_all_queries, replace=True)
  README.md                                command for setting 2:
      python3 main.py --begin=20 --end=200 --step=20 --attn_name=dpfp --attn_arg=1 \
                      --update_rule=ours --replace
The released log this is compared with is synthetic/logs/d64_dpfp1_ours_AssocSeq80N40R1.csv
(S = 40 keys, sequence length 2S = 80, eval every 100 steps, stopped at step 500).

Setting (released file:line in brackets):
  S keys = S values, vocab = 2S                        [main.py:142, linearAttention.py:85]
  train sequence length 2S (sampled with replacement)  [main.py:222, README setting 2 --replace]
  eval sequence length = S (len(key_idxs))             [associativeRetrievalDataset.py:100-106]
  hidden size d = 64, DPFP nu = 1 -> phi size 128      [main.py:207, README --attn_arg=1]
  key embedding size int(2S * 1.1)                     [main.py:145]
  value embedding = frozen identity (one-hot)          [linearAttention.py:89,120]
  init: nn.Embedding / nn.Linear constructed in the released order, then
        embK ~ N(0,1), W_v xavier_uniform, W_k,W_q ~ U(-1/sqrt(d), 1/sqrt(d));
        biases and W_f, W_b keep PyTorch defaults      [linearAttention.py:89-98,118-127]
  beta = sigmoid(W_b x); delta rule with sum-normalised keys/query
                                                       [linearAttention.py:270-288,303-305]
  loss = mean_batch sum_v 0.5 (y - y_hat)^2            [main.py:54-55]
  Adam, lr 1e-3, batch size 32                         [main.py:20,154,209]
  eval every 100 steps on 20 fresh sequences, all distinct queries, split in
  chunks of <= 32                                      [main.py:70-115,150-151]
  stop when eval loss <= 0.001 or > 10 evals without a new best; cap 100000 steps
                                                       [main.py:25,116-133,148,152]
  seeding: torch.manual_seed, np.random.seed           [main.py:137-138]
"""
import argparse
import json
import random
import time

import numpy as np
import torch
import torch.nn as nn
from torch.nn.functional import relu


# ----------------------------------------------------------------------------- data
class AssocData:
    """Associative retrieval sequences. Token ids: keys 0..S-1, values S..2S-1."""

    def __init__(self, n_keys, seq_len):
        self.n_keys = n_keys
        self.seq_len = seq_len
        self.keys = list(range(n_keys))
        self.values = list(range(n_keys, 2 * n_keys))

    def train_batch(self, bs):
        xs, qs, ys = [], [], []
        for _ in range(bs):
            # same numpy call sequence as the released get_batch (replace=True)
            ks = np.random.choice(self.keys, size=(self.seq_len,), replace=True)
            vs = np.random.choice(self.values, size=(self.seq_len,), replace=True)
            pos = np.where(ks == np.random.choice(ks))[0][-1]  # last occurrence wins
            xs.append(np.stack([ks, vs], axis=0))
            qs.append([ks[pos]])
            ys.append([vs[pos]])
        return (torch.tensor(np.array(xs)), torch.tensor(np.array(qs)),
                torch.tensor(np.array(ys)))

    def eval_sequence(self, max_queries=200):
        # one sequence of length n_keys (NOT seq_len), queried on every distinct key
        ks = np.random.choice(self.keys, size=(self.n_keys,), replace=True)
        vs = np.random.choice(self.values, size=(self.n_keys,), replace=True)
        last = [np.where(ks == u)[0][-1] for u in np.unique(ks)][:max_queries]
        x = np.stack([ks, vs], axis=0)
        xs = np.array([x for _ in last])
        qs = np.array([[ks[p]] for p in last])
        ys = np.array([[vs[p]] for p in last])
        return torch.tensor(xs), torch.tensor(qs), torch.tensor(ys)


# ----------------------------------------------------------------------------- model
def dpfp(x, nu):
    h = torch.cat([relu(x), relu(-x)], dim=-1)
    rolled = torch.cat([h.roll(shifts=j, dims=-1) for j in range(1, nu + 1)], dim=-1)
    return torch.cat([h] * nu, dim=-1) * rolled


class DeltaDPFP(nn.Module):
    def __init__(self, n_keys, emb, d, nu):
        super().__init__()
        self.nv = n_keys
        self.d = d
        self.nu = nu
        vocab = 2 * n_keys
        # construction order matters for the torch RNG stream (released order)
        self.embeddingV = nn.Embedding(self.nv, self.nv)
        self.embeddingK = nn.Embedding(vocab, emb)
        self.W_k = nn.Linear(emb + self.nv, d)
        self.W_v = nn.Linear(emb + self.nv, d)   # unused in forward, kept for RNG order
        self.W_q = nn.Linear(emb, d)
        self.W_f = nn.Linear(emb + self.nv, d)   # unused output, kept for RNG order
        self.W_b = nn.Linear(emb + self.nv, 1)
        # released reset_parameters
        self.embeddingV.weight = nn.Parameter(torch.eye(self.nv), requires_grad=False)
        nn.init.normal_(self.embeddingK.weight, mean=0.0, std=1.0)
        nn.init.xavier_uniform_(self.W_v.weight)
        bound = 1.0 / np.sqrt(d)
        nn.init.uniform_(self.W_k.weight, a=-bound, b=bound)
        nn.init.uniform_(self.W_q.weight, a=-bound, b=bound)

    def onehot(self, value_ids):
        return self.embeddingV(value_ids - self.nv)

    def forward(self, x, q):
        kid, vid = x[:, 0, :], x[:, 1, :]
        bs, sl = kid.shape
        with torch.no_grad():
            V = self.onehot(vid)                                   # [b, l, nv]
        inp = torch.cat([V, self.embeddingK(kid)], dim=-1)         # [b, l, nv+e]
        K = dpfp(self.W_k(inp), self.nu)                           # [b, l, p]
        beta = torch.sigmoid(self.W_b(inp))                        # [b, l, 1]
        self.W_f(inp)  # computed (and discarded) in the released forward
        Q = dpfp(self.W_q(self.embeddingK(q)), self.nu)            # [b, 1, p]

        p = K.shape[-1]
        W = torch.zeros(bs, self.nv, p)
        for t in range(sl):
            kt = K[:, t, :]
            kt = kt / kt.sum(dim=-1, keepdim=True)
            bt = beta[:, t, :]
            old = torch.einsum("bvp,bp->bv", W, kt)
            W = W - torch.einsum("bv,bp->bvp", old, kt)
            new = bt * V[:, t, :] + (1.0 - bt) * old
            W = W + torch.einsum("bv,bp->bvp", new, kt)
        Qn = Q / (Q.sum(dim=-1, keepdim=True) + 1e-6)
        return torch.einsum("bvp,blp->blv", W, Qn).squeeze(1)     # [b, nv]


def recon_loss(model, y_ids, y_hat):
    with torch.no_grad():
        target = model.onehot(y_ids).squeeze(1)
    return (0.5 * (target - y_hat).pow(2)).sum(dim=-1).mean()


# ----------------------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--max-steps", type=int, default=100000)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)

    S = args.keys
    d, nu, bs = 64, 1, 32
    emb = int((S + S) * 1.1)
    lr = 1e-3
    test_every, test_sequences = 100, 20
    stop_criterion, max_strike = 0.001, 10

    data = AssocData(n_keys=S, seq_len=2 * S)
    model = DeltaDPFP(n_keys=S, emb=emb, d=d, nu=nu)
    opt = torch.optim.Adam(model.parameters(), lr=lr)

    best, strike = np.inf, 0
    stop_step, loss_at_500 = None, None
    t0 = time.time()
    for step in range(1, args.max_steps + 1):
        model.train()
        x, q, y = data.train_batch(bs)
        loss = recon_loss(model, y, model(x, q))
        opt.zero_grad()
        loss.backward()
        opt.step()

        if step % test_every == 0:
            model.eval()
            losses = []
            with torch.no_grad():
                for _ in range(test_sequences):
                    ex, eq, ey = data.eval_sequence()
                    n = ex.shape[0]
                    sizes = [bs] * (n // bs) + ([n % bs] if n % bs else [])
                    for cx, cq, cy in zip(ex.split(sizes), eq.split(sizes), ey.split(sizes)):
                        losses.append(recon_loss(model, cy, model(cx, cq)).numpy())
            ev = float(np.mean(losses))
            if step == 500:
                loss_at_500 = ev
            if ev < best:
                best, strike = ev, 0
            else:
                strike += 1
            print(f"step {step} eval-loss {ev:.8g} train-loss {loss.item():.6f} "
                  f"t={time.time() - t0:.1f}s", flush=True)
            if ev <= stop_criterion or strike > max_strike:
                stop_step = step
                break

    print(json.dumps({"keys": S, "seed": args.seed, "stop_step": stop_step,
                      "loss_at_500": loss_at_500,
                      "seconds": round(time.time() - t0, 2)}), flush=True)


if __name__ == "__main__":
    main()
