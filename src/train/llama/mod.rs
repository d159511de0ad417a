//! Issue 19's Llama-style block beside GPT-2: the configuration (with Llama 3.1 8B's real
//! shapes and a reduced depth, batch and context for small devices), the parameter layout and
//! init, the f64 reference, and the memory and FLOP counts.
//!
//! The model, as Meta's Llama 3 and Hugging Face's `LlamaForCausalLM` build it: a token
//! embedding (no position embedding); L pre-norm blocks, each RMSNorm → Wq, Wk, Wv (no
//! biases) → rotary embeddings on queries and keys → grouped-query causal attention → Wo →
//! residual add, then RMSNorm → SwiGLU (silu(x·W1ᵀ) ⊙ x·W3ᵀ, then ·W2ᵀ) → residual add; a
//! final RMSNorm; an LM head untied from the embedding; GPT-2's mean cross-entropy and AdamW.
//! The reference is checked against JAX (`bench/train_reference_llama.py` wrote
//! `tests/fixtures/train/llama_tiny_reference.json`).

pub mod config;
pub mod flops;
pub mod memory;
pub mod params;
pub mod plan;
pub mod reference;
pub mod step;

pub use config::{LlamaConfig, ReducedLlama, Reduction};
pub use params::{init_llama_params, LlamaLayout, LlamaSlot, LlamaTensor};
pub use reference::ReferenceLlama;
