#!/usr/bin/env python3
"""The independent check of flopcost's training step: GPT-2 in JAX, float64, on the CPU.

Writes tests/fixtures/train/gpt_tiny_reference.json, which tests/train_reference.rs matches
flopcost's f64 reference (src/train/reference/) against: the loss and every parameter
tensor's gradient norm at each of 3 AdamW steps of a seeded tiny configuration.

Independent on purpose: the model is written here in jax.numpy from the architecture's
definition (GPT-2 as llm.c's train_gpt2.c and nanoGPT build it) and differentiated by
jax.grad; nothing is ported from the Rust backward. What must be shared is reproduced
exactly: the parameter layout, the splitmix64 stream of the initialisation and of the
random batch (see src/train/params.rs `init_params` and src/train/data.rs `random_batch`).

Setup (bench/.venv is git-ignored):
    python3 -m venv bench/.venv && bench/.venv/bin/pip install jax
    bench/.venv/bin/python bench/train_reference.py
"""

import json
import math
import os
import sys

import jax

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_platforms", "cpu")

import jax.numpy as jnp  # noqa: E402  (after the float64 switch)
import numpy as np  # noqa: E402

CONFIG = {"vocab": 67, "ctx": 16, "width": 32, "layers": 2, "heads": 4, "batch": 2}
SEED = 1234
ADAMW = {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.1}
STEPS = 3
INIT_STD = 0.02
LN_EPS = 1e-5
BATCH_STREAM = 0xDA7ADA7ADA7ADA7A
MASK64 = (1 << 64) - 1
OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "train", "gpt_tiny_reference.json"
)


class SplitMix64:
    """Vigna's splitmix64, with Python integers masked to 64 bits."""

    def __init__(self, seed):
        self.state = seed & MASK64

    def next_u64(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def next_unit(self):
        # The top 53 bits as a multiple of 2^-53: exact in a double.
        return (self.next_u64() >> 11) * 2.0**-53


def layout(cfg):
    """(name, shape, init) in llm.c's order; init is a standard deviation or a constant."""
    v, t, c, l = cfg["vocab"], cfg["ctx"], cfg["width"], cfg["layers"]
    proj_std = INIT_STD / math.sqrt(2.0 * l)
    return [
        ("wte", (v, c), ("uniform", INIT_STD)),
        ("wpe", (t, c), ("uniform", INIT_STD)),
        ("ln1w", (l, c), ("constant", 1.0)),
        ("ln1b", (l, c), ("constant", 0.0)),
        ("qkvw", (l, 3 * c, c), ("uniform", INIT_STD)),
        ("qkvb", (l, 3 * c), ("constant", 0.0)),
        ("attprojw", (l, c, c), ("uniform", proj_std)),
        ("attprojb", (l, c), ("constant", 0.0)),
        ("ln2w", (l, c), ("constant", 1.0)),
        ("ln2b", (l, c), ("constant", 0.0)),
        ("fcw", (l, 4 * c, c), ("uniform", INIT_STD)),
        ("fcb", (l, 4 * c), ("constant", 0.0)),
        ("fcprojw", (l, c, 4 * c), ("uniform", proj_std)),
        ("fcprojb", (l, c), ("constant", 0.0)),
        ("lnfw", (c,), ("constant", 1.0)),
        ("lnfb", (c,), ("constant", 0.0)),
    ]


def init_params(cfg, seed):
    """One stream over the tensors in order; a uniform tensor's element is
    f32((2u - 1) * std * sqrt(3)), so its standard deviation is std."""
    rng = SplitMix64(seed)
    params = {}
    for name, shape, (kind, value) in layout(cfg):
        n = int(np.prod(shape))
        if kind == "uniform":
            bound = value * math.sqrt(3.0)
            draws = np.array([rng.next_unit() for _ in range(n)], dtype=np.float64)
            values = ((2.0 * draws - 1.0) * bound).astype(np.float32)
        else:
            values = np.full(n, value, dtype=np.float32)
        params[name] = values.reshape(shape)
    return params


def random_batch(cfg, seed):
    rng = SplitMix64(seed ^ BATCH_STREAM)
    rows = [[rng.next_u64() % cfg["vocab"] for _ in range(cfg["ctx"] + 1)] for _ in range(cfg["batch"])]
    inputs = np.array([row[:-1] for row in rows], dtype=np.int64)
    targets = np.array([row[1:] for row in rows], dtype=np.int64)
    return inputs, targets


def layer_norm(x, w, b):
    mu = jnp.mean(x, axis=-1, keepdims=True)
    var = jnp.mean((x - mu) ** 2, axis=-1, keepdims=True)
    return (x - mu) / jnp.sqrt(var + LN_EPS) * w + b


def linear(x, w, b=None):
    # w is (out, in) as PyTorch stores it.
    y = x @ w.T
    return y if b is None else y + b


def attention(qkv, heads):
    bsz, t, c3 = qkv.shape
    c = c3 // 3
    hs = c // heads
    q, k, v = jnp.split(qkv, 3, axis=-1)
    split = lambda z: z.reshape(bsz, t, heads, hs).transpose(0, 2, 1, 3)  # noqa: E731
    q, k, v = split(q), split(k), split(v)
    scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(hs)
    causal = jnp.tril(jnp.ones((t, t), dtype=bool))
    scores = jnp.where(causal, scores, -jnp.inf)
    weights = jax.nn.softmax(scores, axis=-1)
    return (weights @ v).transpose(0, 2, 1, 3).reshape(bsz, t, c)


def loss_fn(p, inputs, targets, cfg):
    t = inputs.shape[1]
    x = p["wte"][inputs] + p["wpe"][:t]
    for l in range(cfg["layers"]):
        h = layer_norm(x, p["ln1w"][l], p["ln1b"][l])
        h = attention(linear(h, p["qkvw"][l], p["qkvb"][l]), cfg["heads"])
        x = x + linear(h, p["attprojw"][l], p["attprojb"][l])
        h = layer_norm(x, p["ln2w"][l], p["ln2b"][l])
        h = jax.nn.gelu(linear(h, p["fcw"][l], p["fcb"][l]), approximate=True)
        x = x + linear(h, p["fcprojw"][l], p["fcprojb"][l])
    x = layer_norm(x, p["lnfw"], p["lnfb"])
    logits = x @ p["wte"].T  # the LM head is tied to the token embedding
    logp = jax.nn.log_softmax(logits, axis=-1)
    picked = jnp.take_along_axis(logp, targets[..., None], axis=-1)[..., 0]
    return -jnp.mean(picked)


def adamw(p, g, m, v, step, hyper):
    """Decoupled weight decay on every tensor, bias-corrected moments, step from 1."""
    b1, b2 = hyper["beta1"], hyper["beta2"]
    m = {k: b1 * m[k] + (1 - b1) * g[k] for k in p}
    v = {k: b2 * v[k] + (1 - b2) * g[k] ** 2 for k in p}
    p = {
        k: p[k]
        - hyper["lr"]
        * ((m[k] / (1 - b1**step)) / (jnp.sqrt(v[k] / (1 - b2**step)) + hyper["eps"]) + hyper["weight_decay"] * p[k])
        for k in p
    }
    return p, m, v


def main():
    cfg = CONFIG
    params32 = init_params(cfg, SEED)
    inputs, targets = random_batch(cfg, SEED)
    names = [name for name, _, _ in layout(cfg)]
    flat32 = np.concatenate([params32[n].ravel() for n in names])

    p = {k: jnp.asarray(params32[k], dtype=jnp.float64) for k in names}
    m = {k: jnp.zeros_like(p[k]) for k in names}
    v = {k: jnp.zeros_like(p[k]) for k in names}
    value_and_grad = jax.value_and_grad(loss_fn)
    steps = []
    for step in range(1, STEPS + 1):
        loss, grads = value_and_grad(p, jnp.asarray(inputs), jnp.asarray(targets), cfg)
        norms = {k: float(jnp.sqrt(jnp.sum(grads[k] ** 2))) for k in names}
        steps.append({"loss": float(loss), "grad_norms": norms})
        print(f"step {step}: loss {float(loss):.15f}", file=sys.stderr)
        p, m, v = adamw(p, grads, m, v, step, ADAMW)

    fixture = {
        "generator": (
            f"bench/train_reference.py: JAX {jax.__version__} (jaxlib {jax.lib.__version__}), "
            f"numpy {np.__version__}, float64 on the CPU, gradients by jax.grad"
        ),
        "config": cfg,
        "seed": SEED,
        "adamw": ADAMW,
        "batch": "random_batch(config, seed), the same batch at every step",
        "init": {
            "params": int(flat32.size),
            "sum": float(np.sum(flat32.astype(np.float64))),
            # Exact and order-free: the sum of every f32's bit pattern, modulo 2^64.
            "bits_sum": int(np.sum(flat32.view(np.uint32).astype(np.uint64))),
            "first": [float(x) for x in flat32[:4]],
            "last_random": float(params32["fcprojw"].ravel()[-1]),
        },
        "inputs": inputs.ravel().tolist(),
        "targets": targets.ravel().tolist(),
        "steps": steps,
    }
    text = json.dumps(fixture, indent=1)
    # One line per token list keeps the file readable.
    for key in ("inputs", "targets"):
        text = text.replace(json.dumps(fixture[key], indent=1).replace("\n", "\n "), json.dumps(fixture[key]), 1)
    with open(OUT, "w") as f:
        f.write(text + "\n")
    print(f"wrote {os.path.normpath(OUT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
