#!/usr/bin/env python3
"""A small random DeltaNet or Gated DeltaNet language model in flash-linear-attention's exact layout, with its logits.

fla itself does not install here (it needs Triton and a GPU), so this script implements fla's two layers from fla's
documented semantics (fla/layers/delta_net.py, fla/layers/gated_deltanet.py, fla/modules, the naive reference ops
fla/ops/delta_rule/naive.py and fla/ops/gated_delta_rule/naive.py; read, not copied) in float64 PyTorch, and writes
what fla's save_pretrained writes: config.json, model.safetensors (or shards with model.safetensors.index.json) and a
byte-level BPE tokenizer (vocab.json, merges.txt). expected.json holds the token ids of --text and the
log-probabilities of every class at every position, for 'fastweights import fla' to reproduce
(tests/FastWeights.Tests/Interop/FlaImportTests.cs).

    /usr/bin/python3 bench/peers/fla_layout.py --model gated_deltanet --out /tmp/gdn --text "In the beginning"
"""
import argparse
import json
import math
import os
import struct

import torch

torch.set_default_dtype(torch.float64)


def bytes_to_unicode():
    """GPT-2's reversible map from bytes to printable characters (the alphabet of byte-level BPE vocabularies)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def rms_norm(x, w, eps):
    return x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps) * w


def silu(x):
    return x * torch.sigmoid(x)


def l2_norm(x):
    # fla's l2norm: x / sqrt(Σx² + 1e-6) (ε inside the sum).
    return x / torch.sqrt((x * x).sum(-1, keepdim=True) + 1e-6)


def short_conv(x, w):
    """Causal depthwise convolution, zero padding on the left: y_t[c] = Σ_j w[c, 0, j] · x_{t−K+1+j}[c]."""
    t, c = x.shape
    k = w.shape[-1]
    padded = torch.cat([torch.zeros(k - 1, c), x], 0)
    return sum(w[:, 0, j] * padded[j:j + t] for j in range(k))


def attention(p, pre, h, cfg, gated):
    t = h.shape[0]
    heads = cfg["num_heads"]
    q, k, v = h @ p[pre + "q_proj.weight"].T, h @ p[pre + "k_proj.weight"].T, h @ p[pre + "v_proj.weight"].T
    if cfg["use_short_conv"]:
        q = silu(short_conv(q, p[pre + "q_conv1d.weight"]))
        k = silu(short_conv(k, p[pre + "k_conv1d.weight"]))
        v = silu(short_conv(v, p[pre + "v_conv1d.weight"]))
    else:
        q, k, v = silu(q), silu(k), silu(v)
    dk = q.shape[-1] // heads
    dv = v.shape[-1] // heads
    q = l2_norm(q.view(t, heads, dk)) * dk ** -0.5
    k = l2_norm(k.view(t, heads, dk))
    v = v.view(t, heads, dv)
    beta = torch.sigmoid(h @ p[pre + "b_proj.weight"].T)
    if gated:
        g = -torch.exp(p[pre + "A_log"]) * torch.nn.functional.softplus(h @ p[pre + "a_proj.weight"].T + p[pre + "dt_bias"])
        alpha = torch.exp(g)
    else:
        alpha = torch.ones(t, heads)
    o = torch.zeros(t, heads, dv)
    for head in range(heads):
        s = torch.zeros(dk, dv)
        for i in range(t):
            s = alpha[i, head] * s
            u = beta[i, head] * (v[i, head] - s.T @ k[i, head])
            s = s + torch.outer(k[i, head], u)
            o[i, head] = s.T @ q[i, head]
    o = rms_norm(o, p[pre + "o_norm.weight"], cfg["norm_eps"])
    if cfg.get("use_gate", False):
        o = o * silu((h @ p[pre + "g_proj.weight"].T).view(t, heads, dv))
    return o.reshape(t, heads * dv) @ p[pre + "o_proj.weight"].T


def forward(p, cfg, ids, gated):
    x = p["model.embeddings.weight"][ids]
    for i in range(cfg["num_hidden_layers"]):
        pre = f"model.layers.{i}."
        x = x + attention(p, pre + "attn.", rms_norm(x, p[pre + "attn_norm.weight"], cfg["norm_eps"]), cfg, gated)
        h = rms_norm(x, p[pre + "mlp_norm.weight"], cfg["norm_eps"])
        x = x + silu(h @ p[pre + "mlp.gate_proj.weight"].T) * (h @ p[pre + "mlp.up_proj.weight"].T) @ p[pre + "mlp.down_proj.weight"].T
    x = rms_norm(x, p["model.norm.weight"], cfg["norm_eps"])
    return torch.log_softmax(x @ p["lm_head.weight"].T, -1)


def parameters(cfg, gated, gen):
    d, heads, layers, vocab = cfg["hidden_size"], cfg["num_heads"], cfg["num_hidden_layers"], cfg["vocab_size"]
    if gated:
        dk, dv = cfg["head_dim"], int(cfg["head_dim"] * cfg["expand_v"])
    else:
        dk, dv = int(d * cfg["expand_k"]) // heads, int(d * cfg["expand_v"]) // heads
    mlp = cfg["intermediate_size"]

    def r(*shape, scale=None):
        scale = scale if scale is not None else shape[-1] ** -0.5
        return torch.randn(*shape, generator=gen) * scale

    def gain(n):
        return 1.0 + 0.2 * torch.randn(n, generator=gen)

    p = {"model.embeddings.weight": r(vocab, d, scale=1.0)}
    for i in range(layers):
        pre = f"model.layers.{i}."
        p[pre + "attn_norm.weight"] = gain(d)
        p[pre + "attn.q_proj.weight"] = r(heads * dk, d)
        p[pre + "attn.k_proj.weight"] = r(heads * dk, d)
        p[pre + "attn.v_proj.weight"] = r(heads * dv, d)
        p[pre + "attn.b_proj.weight"] = r(heads, d)
        if gated:
            p[pre + "attn.a_proj.weight"] = r(heads, d)
            p[pre + "attn.A_log"] = torch.log(torch.rand(heads, generator=gen) * 16)
            p[pre + "attn.dt_bias"] = torch.randn(heads, generator=gen) - 3.0
        if cfg["use_short_conv"]:
            for n, c in (("q", heads * dk), ("k", heads * dk), ("v", heads * dv)):
                p[pre + f"attn.{n}_conv1d.weight"] = r(c, 1, cfg["conv_size"], scale=0.5)
        if cfg.get("use_gate", False):
            p[pre + "attn.g_proj.weight"] = r(heads * dv, d)
        p[pre + "attn.o_norm.weight"] = gain(dv)
        p[pre + "attn.o_proj.weight"] = r(d, heads * dv)
        p[pre + "mlp_norm.weight"] = gain(d)
        p[pre + "mlp.gate_proj.weight"] = r(mlp, d)
        p[pre + "mlp.up_proj.weight"] = r(mlp, d)
        p[pre + "mlp.down_proj.weight"] = r(d, mlp)
    p["model.norm.weight"] = gain(d)
    p["lm_head.weight"] = r(vocab, d)
    return p


def stored(t, dtype):
    """The tensor as the file stores it: float32, or bfloat16 (then the reference uses the rounded values)."""
    return t.to(torch.float32 if dtype == "F32" else torch.bfloat16)


def write_safetensors(path, tensors, dtype):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in tensors.items():
        s = stored(t, dtype).contiguous()
        raw = s.view(torch.int16).numpy().tobytes() if dtype == "BF16" else s.numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", choices=["delta_net", "gated_deltanet"], required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--text", default="In the beginning God created the heaven and the earth.")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--shards", type=int, default=1, help="1: model.safetensors; more: model-0000i-of-0000N.safetensors and the index")
    ap.add_argument("--dtype", choices=["F32", "BF16"], default="F32")
    ap.add_argument("--no-conv", action="store_true", help="use_short_conv = false")
    ap.add_argument("--tie", action="store_true", help="tie_word_embeddings = true: no lm_head.weight, the embeddings are the head")
    args = ap.parse_args()
    gated = args.model == "gated_deltanet"
    cfg = {
        "model_type": args.model,
        "architectures": ["GatedDeltaNetForCausalLM" if gated else "DeltaNetForCausalLM"],
        "hidden_size": 32,
        "num_heads": 2,
        "num_hidden_layers": 2,
        "vocab_size": 260,  # three more than the tokenizer's 257 ids, as models pad their embeddings
        "conv_size": 4,
        "use_short_conv": not args.no_conv,
        "norm_eps": 1e-6,
        "hidden_ratio": 4,
        "intermediate_size": None,
        "hidden_act": "swish",
        "tie_word_embeddings": args.tie,
        "torch_dtype": "float32" if args.dtype == "F32" else "bfloat16",
    }
    if gated:
        cfg.update({"head_dim": 8, "expand_v": 2.0, "use_gate": True, "num_v_heads": None})
    else:
        cfg.update({"expand_k": 1.0, "expand_v": 1.0, "use_gate": False, "use_beta": True, "qk_norm": "l2", "qk_activation": "silu"})
    # fla's GatedMLP size: ⌈⌊(2/3)·ratio·D⌋ / 256⌉ · 256.
    cfg["intermediate_size"] = 256 * math.ceil(int(cfg["hidden_size"] * cfg["hidden_ratio"] * 2 / 3) / 256)
    gen = torch.Generator().manual_seed(args.seed)
    p = parameters(cfg, gated, gen)
    p = {n: stored(t, args.dtype).to(torch.float64) for n, t in p.items()}
    if args.tie:
        p["lm_head.weight"] = p["model.embeddings.weight"]

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    names = [n for n in p if not (args.tie and n == "lm_head.weight")]
    if args.shards == 1:
        write_safetensors(os.path.join(args.out, "model.safetensors"), {n: p[n] for n in names}, args.dtype)
    else:
        weight_map = {}
        for s in range(args.shards):
            file = f"model-{s + 1:05d}-of-{args.shards:05d}.safetensors"
            part = {n: p[n] for n in names[s::args.shards]}
            write_safetensors(os.path.join(args.out, file), part, args.dtype)
            weight_map.update({n: file for n in part})
        with open(os.path.join(args.out, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {}, "weight_map": weight_map}, f, indent=2)
    # A byte-level BPE with the 256 byte tokens (id = byte value), GPT-2's <|endoftext|> (256) and no merges: each
    # byte is one token.
    b2u = bytes_to_unicode()
    with open(os.path.join(args.out, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump({**{b2u[b]: b for b in range(256)}, "<|endoftext|>": 256}, f, ensure_ascii=False)
    with open(os.path.join(args.out, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")

    ids = list(args.text.encode("utf-8"))
    with torch.no_grad():
        logp = forward(p, cfg, torch.tensor(ids), gated)
    with open(os.path.join(args.out, "expected.json"), "w") as f:
        json.dump({"text": args.text, "ids": ids, "log_probabilities": logp.tolist()}, f)
    print(f"wrote {args.model} ({sum(t.numel() for t in p.values())} parameters, {args.dtype}, {args.shards} file(s)) and expected.json to {args.out}")


if __name__ == "__main__":
    main()
