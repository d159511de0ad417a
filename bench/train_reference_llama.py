#!/usr/bin/env python3
"""The independent check of flopcost's Llama-style reference: the model in JAX, float64, on the CPU.

Writes tests/fixtures/train/llama_tiny_reference.json, which tests/train_reference_llama.rs
matches flopcost's f64 reference (src/train/llama/reference/) against: the loss and every
parameter tensor's gradient norm at each of 3 AdamW steps of a seeded tiny configuration.

Independent on purpose: the model is written here in jax.numpy from the architecture's
definition (Llama as Meta's Llama 3 and Hugging Face's LlamaForCausalLM build it: RMSNorm,
rotary embeddings in Hugging Face's rotate-half convention, grouped-query attention by
repeating key/value heads, SwiGLU, an untied LM head, no biases) and differentiated by
jax.grad; nothing is ported from the Rust backward. What must be shared is reproduced exactly:
the parameter layout and the splitmix64 init (src/train/llama/params.rs) and the random batch
and AdamW of the GPT-2 script, imported from bench/train_reference.py.

Setup (bench/.venv is git-ignored):
    python3 -m venv bench/.venv && bench/.venv/bin/pip install jax
    bench/.venv/bin/python bench/train_reference_llama.py
"""

import json
import math
import os
import sys

import jax
import jax.numpy as jnp
import numpy as np

# Sets float64 and the CPU platform on import; shares the PRNG, batch and AdamW.
from train_reference import ADAMW, INIT_STD, SEED, STEPS, SplitMix64, adamw, random_batch

CONFIG = {
    "vocab": 67,
    "ctx": 16,
    "width": 32,
    "ffn_width": 88,
    "layers": 2,
    "heads": 4,
    "kv_heads": 2,
    "batch": 2,
    "rope_theta": 10000.0,
    "norm_eps": 1e-5,
}
OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "train", "llama_tiny_reference.json"
)


def layout(cfg):
    """(name, shape, random?) in the flat buffer's order; random tensors are uniform with std 0.02,
    the RMSNorm weights start at 1."""
    v, c, f, l = cfg["vocab"], cfg["width"], cfg["ffn_width"], cfg["layers"]
    kv = cfg["kv_heads"] * (c // cfg["heads"])
    return [
        ("tok_embeddings", (v, c), True),
        ("attention_norm", (l, c), False),
        ("wq", (l, c, c), True),
        ("wk", (l, kv, c), True),
        ("wv", (l, kv, c), True),
        ("wo", (l, c, c), True),
        ("ffn_norm", (l, c), False),
        ("w1", (l, f, c), True),
        ("w3", (l, f, c), True),
        ("w2", (l, c, f), True),
        ("norm", (c,), False),
        ("output", (v, c), True),
    ]


def init_params(cfg, seed):
    rng = SplitMix64(seed)
    bound = INIT_STD * math.sqrt(3.0)
    params = {}
    for name, shape, random in layout(cfg):
        n = int(np.prod(shape))
        if random:
            draws = np.array([rng.next_unit() for _ in range(n)], dtype=np.float64)
            values = ((2.0 * draws - 1.0) * bound).astype(np.float32)
        else:
            values = np.ones(n, dtype=np.float32)
        params[name] = values.reshape(shape)
    return params


def rms_norm(x, w, eps):
    return x / jnp.sqrt(jnp.mean(x * x, axis=-1, keepdims=True) + eps) * w


def rotary(x, theta):
    """x (B, T, heads, hs); Hugging Face's rotate_half: channel i pairs with i + hs/2."""
    t, hs = x.shape[1], x.shape[-1]
    inv_freq = 1.0 / theta ** (jnp.arange(0, hs, 2, dtype=jnp.float64) / hs)
    angles = jnp.arange(t, dtype=jnp.float64)[:, None] * inv_freq[None, :]
    angles = jnp.concatenate([angles, angles], axis=-1)[None, :, None, :]
    half = hs // 2
    rotated = jnp.concatenate([-x[..., half:], x[..., :half]], axis=-1)
    return x * jnp.cos(angles) + rotated * jnp.sin(angles)


def attention(h, wq, wk, wv, cfg):
    bsz, t, c = h.shape
    nh, kvh = cfg["heads"], cfg["kv_heads"]
    hs = c // nh
    q = (h @ wq.T).reshape(bsz, t, nh, hs)
    k = (h @ wk.T).reshape(bsz, t, kvh, hs)
    v = (h @ wv.T).reshape(bsz, t, kvh, hs)
    q, k = rotary(q, cfg["rope_theta"]), rotary(k, cfg["rope_theta"])
    # Grouped-query: key/value head j serves query heads j*rep .. j*rep + rep - 1.
    k, v = jnp.repeat(k, nh // kvh, axis=2), jnp.repeat(v, nh // kvh, axis=2)
    q, k, v = (z.transpose(0, 2, 1, 3) for z in (q, k, v))
    scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(hs)
    causal = jnp.tril(jnp.ones((t, t), dtype=bool))
    weights = jax.nn.softmax(jnp.where(causal, scores, -jnp.inf), axis=-1)
    return (weights @ v).transpose(0, 2, 1, 3).reshape(bsz, t, c)


def loss_fn(p, inputs, targets, cfg):
    eps = cfg["norm_eps"]
    x = p["tok_embeddings"][inputs]
    for l in range(cfg["layers"]):
        h = rms_norm(x, p["attention_norm"][l], eps)
        x = x + attention(h, p["wq"][l], p["wk"][l], p["wv"][l], cfg) @ p["wo"][l].T
        h = rms_norm(x, p["ffn_norm"][l], eps)
        x = x + (jax.nn.silu(h @ p["w1"][l].T) * (h @ p["w3"][l].T)) @ p["w2"][l].T
    logits = rms_norm(x, p["norm"], eps) @ p["output"].T
    logp = jax.nn.log_softmax(logits, axis=-1)
    picked = jnp.take_along_axis(logp, targets[..., None], axis=-1)[..., 0]
    return -jnp.mean(picked)


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
            f"bench/train_reference_llama.py: JAX {jax.__version__} (jaxlib {jax.lib.__version__}), "
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
            "last": float(flat32[-1]),
        },
        "inputs": inputs.ravel().tolist(),
        "targets": targets.ravel().tolist(),
        "steps": steps,
    }
    text = json.dumps(fixture, indent=1)
    for key in ("inputs", "targets"):
        text = text.replace(json.dumps(fixture[key], indent=1).replace("\n", "\n "), json.dumps(fixture[key]), 1)
    with open(OUT, "w") as f:
        f.write(text + "\n")
    print(f"wrote {os.path.normpath(OUT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
