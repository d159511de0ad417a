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
    /// Every distinct kernel of the step, timed alone (products and, since the memory-bound
    /// classes are timed at their own shapes too, every other kernel).
    pub products: Vec<IsolatedProduct>,
    pub classes: Vec<ClassPrediction>,
    /// One submission plus the gradient zeroing, predicted.
    pub fixed_s: f64,
    pub predicted_step_s: f64,
    /// The step the prediction is set beside: the median of whole steps timed in the same rounds
    /// as the isolated kernels, so a change in the machine's load touches both alike (in reports
    /// without `timed_steps_s`: the timed steps' median).
    pub measured_step_s: f64,
    /// The timed steps' median, taken before the premise check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timed_steps_s: Option<f64>,
    /// predicted / measured − 1.
    pub step_gap: f64,
    /// The largest |step_gap| that counts as agreement (issue 19's goal).
    pub agreement: f64,
    /// How the breakdown's measured class times were taken, and what that adds to them.
    pub class_conditions: String,
    /// The gradient zeroing timed alone in the prediction's clock, one submission's overhead
    /// taken out (older reports put its bytes at the copy bandwidth instead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zeroing_s: Option<f64>,
    /// Where the prediction's clock is not the wall clock: the same rounds by the wall clock,
    /// shown beside (on a loaded host it counts the load as much as the work).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wall_clock: Option<WallClockCheck>,
    /// The host's load while the rounds ran, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_load: Option<String>,
}

/// The premise check's whole step by the wall clock, from the same rounds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WallClockCheck {
    pub predicted_step_s: f64,
    pub measured_step_s: f64,
    /// predicted / measured − 1.
    pub step_gap: f64,
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
    /// Seconds of one dispatch, overhead included: the median over batches of back-to-back
    /// repeats on the same buffers (operands warm in the caches).
    pub seconds: f64,
    pub samples_s: Vec<f64>,
    /// Products only: seconds of one dispatch when each repeat follows a kernel that reads and
    /// writes as many bytes as the step's buffers hold (operands evicted), the flush's own time
    /// taken out. The prediction does not use it: it shows what the caches are worth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flushed_s: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassPrediction {
    /// As the breakdown names it.
    pub class: String,
    pub dispatches: u32,
    /// "isolated kernels" (or, in older reports, "isolated products" or "bytes at copy
    /// bandwidth").
    pub basis: String,
    pub predicted_s: f64,
    /// The class's dispatches of one step submitted on their own, timed by the wall clock in
    /// the same rounds as the isolated kernels (in older reports: the breakdown's median).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured_s: Option<f64>,
    /// The breakdown's median for this class (GPU timestamps or the wall clock, as it says).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breakdown_s: Option<f64>,
    /// Memory-bound classes: their bytes at the copy bandwidth plus one dispatch's overhead
    /// each, the figure they would reach were they bandwidth-bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_bandwidth_s: Option<f64>,
    /// Products: the class's isolated times with the caches flushed before each repeat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flushed_s: Option<f64>,
    /// predicted / measured − 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gap: Option<f64>,
    /// The likely cause of the gap, in one phrase.
    pub explanation: String,
}
