//! Issue 18's training step, the parts that need no device: the GPT-2 configuration, the
//! parameter layout and its deterministic initialisation, the training text, the f64 CPU
//! reference of the whole model (`reference`), and the memory and FLOP counts.
//!
//! The model is GPT-2 exactly as llm.c's `train_gpt2.c` and nanoGPT build it: learned token
//! and position embeddings; L pre-LayerNorm blocks (causal multi-head attention with one QKV
//! projection, an output projection, an MLP C → 4C → C with tanh-GELU, residual adds); a final
//! LayerNorm; the LM head tied to the token embedding; mean cross-entropy; AdamW with
//! decoupled weight decay. The GPU step is checked against `reference`, and `reference` is
//! checked against JAX (`bench/train_reference.py` wrote `tests/fixtures/train/`).

pub mod accum;
pub mod attention_probe;
pub mod attention_products;
pub mod check;
pub mod config;
pub mod data;
pub mod flops;
pub mod fused_attention;
pub mod kernels;
pub mod launch;
pub mod layout;
pub mod measure;
pub mod memory;
pub mod model_step;
pub mod params;
pub mod plan;
pub mod predict;
pub mod prediction;
pub mod product_probe;
pub mod products;
pub mod record;
pub mod record_parts;
pub mod reference;
pub mod runner;
pub mod step;
pub mod web_plan;

pub use config::GptConfig;
pub use params::{init_params, AdamW, ParamLayout, ParamTensor, TensorSlot};

/// Issue 19's Llama-style model beside GPT-2 (its own configuration, layout, reference and
/// counts; it reuses GPT-2's linear, residual, loss and AdamW reference functions).
pub mod llama;
