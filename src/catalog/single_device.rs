//! Sourced training throughputs of one device: the like-for-like reference for a step the user
//! measured, and the single-device factor of the calibration's split (`cost::split`).

use serde::Serialize;

use super::entries::Precision;
use super::figure::Figure;

/// One published training figure of a small model on one accelerator, per device. A source
/// that ran a whole node gives its tokens per second divided by the node's devices (the note
/// of `tokens_per_second` says so): data parallelism within one node loses little, but the
/// figure is a node's, not a lone device's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SingleDeviceTraining {
    pub id: String,
    /// The training code ("llm.c", "nanoGPT") and how it ran.
    pub software: String,
    /// A catalog model id: its shape is the step's shape.
    pub model: String,
    pub accelerator: String,
    pub precision: Precision,
    /// Devices of the node the source ran on (1: a lone device).
    pub devices_in_node: Figure,
    /// Training tokens per second per device, where the source gives or implies one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens_per_second: Option<Figure>,
    /// Model FLOPs utilisation against the datasheet peak the note names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfu: Option<Figure>,
}
