//! The f64 CPU reference of the Llama-style model: its own layers (RMSNorm, rotary
//! embeddings, grouped-query attention, SwiGLU, the token-only embedding), forward and
//! backward side by side with their math, and `ReferenceLlama`, which composes them with
//! GPT-2's linear layer, residual, softmax/cross-entropy and AdamW (`train::reference`).
//!
//! As there, every backward function accumulates (`+=`) into its gradients, shapes are
//! row-major, and each function is the expected value of its kernel's check.

mod attention;
mod embedding;
mod model;
mod rmsnorm;
mod rope;
mod swiglu;

pub use attention::{gqa_attention_backward, gqa_attention_forward, AttentionShape};
pub use embedding::{embedding_backward, embedding_forward};
pub use model::{LlamaActivations, ReferenceLlama};
pub use rmsnorm::{rmsnorm_backward, rmsnorm_forward};
pub use rope::{rope_angle, rope_backward, rope_forward};
pub use swiglu::{swiglu_backward, swiglu_forward};
