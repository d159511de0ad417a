//! Issue 19's premise check, the arithmetic: a training step's time predicted from what was
//! measured in isolation, and the gap to the measured step named. Pure numbers: the device
//! measurements come from `predict.rs`.
//!
//! The model is additive. A product (matmul or attention) costs what it took when timed alone
//! at its own shape and layout (dispatch overhead included, as it is dispatched in a pass of
//! repeats). A memory-bound kernel costs the bytes it must move at the measured copy bandwidth
//! plus one dispatch's overhead. The step adds one submission and the gradient zeroing (bytes
//! written at the copy bandwidth).

use super::kernels::KernelClass;

/// What was measured once, for every class.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Overheads {
    /// One dispatch inside a pass, with the barrier between dependent dispatches.
    pub dispatch_s: f64,
    /// One submission and the wait for it, beside its dispatches.
    pub submission_s: f64,
    /// The copy probe's rate: bytes read plus written per second.
    pub bandwidth_bytes_per_s: f64,
}

/// A class's work, as the prediction sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassWork {
    pub class: KernelClass,
    pub dispatches: u32,
    /// Bytes its kernels must move at least (reads plus writes).
    pub bytes: f64,
    /// For products: the sum of each dispatch's isolated time, overhead included.
    pub isolated_s: Option<f64>,
}

/// Seconds one step of `work` spends in this class, by the additive model.
pub fn class_seconds(work: &ClassWork, o: &Overheads) -> f64 {
    match work.isolated_s {
        Some(s) => s,
        None => work.bytes / o.bandwidth_bytes_per_s + work.dispatches as f64 * o.dispatch_s,
    }
}

/// Seconds of the step outside its classes: one submission, and zeroing `zeroed_bytes`.
pub fn fixed_seconds(zeroed_bytes: f64, o: &Overheads) -> f64 {
    o.submission_s + zeroed_bytes / o.bandwidth_bytes_per_s
}

/// The whole step: every class, plus the fixed part.
pub fn step_seconds(classes: &[ClassWork], zeroed_bytes: f64, o: &Overheads) -> f64 {
    classes.iter().map(|c| class_seconds(c, o)).sum::<f64>() + fixed_seconds(zeroed_bytes, o)
}

/// How far a prediction may stray from the measurement and still count as agreeing (issue 19's
/// goal).
pub const AGREEMENT: f64 = 0.15;

/// predicted / measured − 1, or `None` where nothing was measured.
pub fn relative_gap(predicted: f64, measured: f64) -> Option<f64> {
    (measured > 0.0 && predicted.is_finite()).then(|| predicted / measured - 1.0)
}

/// Per-dispatch and per-submission overheads from two wall times: one submission holding
/// `few` dispatches of an empty kernel, and one holding `many`. The difference is dispatches
/// only; what the few leave over is the submission's own cost.
pub fn overheads_from(few: u32, few_s: f64, many: u32, many_s: f64) -> (f64, f64) {
    let dispatch_s = ((many_s - few_s) / (many - few).max(1) as f64).max(0.0);
    let submission_s = (few_s - few as f64 * dispatch_s).max(0.0);
    (dispatch_s, submission_s)
}

/// One phrase naming the likely cause of a class's gap (predicted / measured − 1 = `gap`).
pub fn explain(class: KernelClass, gap: Option<f64>) -> &'static str {
    let Some(gap) = gap else {
        return "not measured in the step's breakdown";
    };
    if gap.abs() <= AGREEMENT {
        return if class.memory_bound() {
            "agrees: moves its bytes near the copy bandwidth"
        } else {
            "agrees: the isolated times add up"
        };
    }
    let step_slower = gap < 0.0;
    match (class.memory_bound(), step_slower) {
        (false, true) => {
            "slower in the step: operands arrive cold from other kernels, not warm from repeats"
        }
        (false, false) => {
            "faster in the step: neighbouring dispatches overlap, or the isolated repeats ran slow"
        }
        (true, true) => match class {
            KernelClass::LayerNorm | KernelClass::Loss => {
                "below copy bandwidth: per-row reductions serialise, not a stream"
            }
            _ => "below copy bandwidth: too little work per dispatch to stream",
        },
        (true, false) => "above copy bandwidth: its tensors stay in cache between kernels",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const O: Overheads = Overheads {
        dispatch_s: 1e-5,
        submission_s: 1e-4,
        bandwidth_bytes_per_s: 1e10,
    };

    #[test]
    fn a_memory_bound_class_costs_its_bytes_at_the_bandwidth_plus_its_dispatches() {
        let w = ClassWork {
            class: KernelClass::Gelu,
            dispatches: 4,
            bytes: 1e8,
            isolated_s: None,
        };
        assert!((class_seconds(&w, &O) - (0.01 + 4e-5)).abs() < 1e-12);
    }

    #[test]
    fn a_product_class_costs_its_isolated_times_and_nothing_more() {
        let w = ClassWork {
            class: KernelClass::MatmulForward,
            dispatches: 8,
            bytes: 1e9,
            isolated_s: Some(0.02),
        };
        assert_eq!(class_seconds(&w, &O), 0.02);
    }

    #[test]
    fn the_step_adds_one_submission_and_the_zeroing() {
        let classes = vec![
            ClassWork {
                class: KernelClass::MatmulForward,
                dispatches: 1,
                bytes: 0.0,
                isolated_s: Some(0.5),
            },
            ClassWork {
                class: KernelClass::Optimizer,
                dispatches: 1,
                bytes: 1e10,
                isolated_s: None,
            },
        ];
        let s = step_seconds(&classes, 1e9, &O);
        assert!((s - (0.5 + 1.0 + 1e-5 + 1e-4 + 0.1)).abs() < 1e-12);
    }

    #[test]
    fn overheads_split_dispatches_from_the_submission() {
        let (d, s) = overheads_from(1, 0.000_11, 1001, 0.010_11);
        assert!((d - 1e-5).abs() < 1e-12);
        assert!((s - 1e-4).abs() < 1e-12);
        // Noise that makes many dispatches look cheaper than few is not a negative cost.
        assert_eq!(overheads_from(1, 0.002, 101, 0.001).0, 0.0);
    }

    #[test]
    fn the_gap_is_relative_and_absent_without_a_measurement() {
        assert!((relative_gap(1.1, 1.0).unwrap() - 0.1).abs() < 1e-12);
        assert_eq!(relative_gap(1.0, 0.0), None);
        assert_eq!(
            explain(KernelClass::Gelu, None),
            "not measured in the step's breakdown"
        );
    }

    #[test]
    fn each_side_of_the_tolerance_gets_its_own_explanation() {
        let within = explain(KernelClass::MatmulBackward, Some(0.1));
        let slow = explain(KernelClass::MatmulBackward, Some(-0.3));
        let fast = explain(KernelClass::MatmulBackward, Some(0.3));
        assert!(within.starts_with("agrees"));
        assert!(slow.starts_with("slower in the step"));
        assert!(fast.starts_with("faster in the step"));
        assert!(explain(KernelClass::LayerNorm, Some(-0.5)).contains("reductions"));
        assert!(explain(KernelClass::Optimizer, Some(0.5)).contains("cache"));
    }
}
