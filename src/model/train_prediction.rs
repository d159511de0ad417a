//! Issue 19's premise check as a train report keeps it: the step's time predicted from what was
//! measured in isolation, beside what the step measured, class by class.

use serde::{Deserialize, Serialize};

use super::kinds::TimingSource;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepPrediction {
    /// How the prediction was made, in a sentence.
    pub method: String,
    /// Timing of the isolated measurements (the wall clock around one submission each).
    pub timing: TimingSource,
    /// One dispatch of an empty kernel with one storage binding, inside a pass.
    pub dispatch_overhead_s: f64,
    /// One submission and the wait for it.
    pub submission_overhead_s: f64,
    /// The copy probe's bandwidth (bytes read plus written), measured in this run.
    pub copy_bandwidth_gbs: f64,
    /// Every distinct product of the step, timed alone.
    pub products: Vec<IsolatedProduct>,
    pub classes: Vec<ClassPrediction>,
    /// One submission plus the gradient zeroing, predicted.
    pub fixed_s: f64,
    pub predicted_step_s: f64,
    /// The timed steps' median.
    pub measured_step_s: f64,
    /// predicted / measured − 1.
    pub step_gap: f64,
    /// The largest |step_gap| that counts as agreement (issue 19's goal).
    pub agreement: f64,
    /// How the breakdown's measured class times were taken, and what that adds to them.
    pub class_conditions: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IsolatedProduct {
    pub kernel: String,
    pub class: String,
    /// Workgroups dispatched, (x, y).
    pub groups: (u32, u32),
    pub flops: f64,
    /// Dispatches of this work in one step.
    pub per_step: u32,
    /// Seconds of one dispatch, overhead included: the median over batches of repeats.
    pub seconds: f64,
    pub samples_s: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassPrediction {
    /// As the breakdown names it.
    pub class: String,
    pub dispatches: u32,
    /// "isolated products" or "bytes at copy bandwidth".
    pub basis: String,
    pub predicted_s: f64,
    /// The breakdown's median for this class, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured_s: Option<f64>,
    /// predicted / measured − 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gap: Option<f64>,
    /// The likely cause of the gap, in one phrase.
    pub explanation: String,
}
