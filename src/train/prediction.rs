//! Issue 19's premise check, the arithmetic: a training step's time predicted from what was
//! measured in isolation, and the gap to the measured step named. Pure numbers: the device
//! measurements come from `predict.rs`.
//!
//! The model is additive. Every kernel of the step (products and memory-bound kernels alike)
//! costs what one dispatch of it took when timed alone at its own shape, in a pass of
//! back-to-back repeats (one dispatch's overhead included). The step adds one submission and
//! the gradient zeroing, each timed alone. Every figure is in one clock: the wall clock, or on
//! a CPU software adapter the process's CPU time (`predict.rs` says why). Beside it, two
//! figures that the
//! prediction does not use but that explain it: a memory-bound class's bytes at the copy
//! bandwidth (what it would take were it bandwidth-bound), and a product's isolated time with
//! the caches flushed before each repeat (what warm caches are worth).

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
    /// The sum of each dispatch's isolated time, overhead included.
    pub isolated_s: f64,
    /// Products: the same sum with the caches flushed before each isolated repeat.
    pub flushed_s: Option<f64>,
}

/// Seconds one step of `work` spends in this class, by the additive model.
pub fn class_seconds(work: &ClassWork) -> f64 {
    work.isolated_s
}

/// What the class would take were it bound by the copy bandwidth: its bytes at that rate plus
/// one dispatch's overhead each.
pub fn at_bandwidth(work: &ClassWork, o: &Overheads) -> f64 {
    work.bytes / o.bandwidth_bytes_per_s + work.dispatches as f64 * o.dispatch_s
}

/// Seconds of the step outside its classes: one submission, and the gradient zeroing as it
/// took when timed alone (`zeroing_s`).
pub fn fixed_seconds(zeroing_s: f64, o: &Overheads) -> f64 {
    o.submission_s + zeroing_s
}

/// The whole step: every class, plus the fixed part.
pub fn step_seconds(classes: &[ClassWork], zeroing_s: f64, o: &Overheads) -> f64 {
    classes.iter().map(class_seconds).sum::<f64>() + fixed_seconds(zeroing_s, o)
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

/// A class's gap (predicted / measured − 1 = `gap`) and what the measurements say of the class:
/// for a memory-bound class, how its isolated time compares with its bytes at the copy
/// bandwidth and how much of it is dispatch overhead; for a product, what flushing the caches
/// changed.
pub fn explain(work: &ClassWork, gap: Option<f64>, o: &Overheads) -> String {
    let verdict = match gap {
        None => "not measured in the step",
        Some(g) if g.abs() <= AGREEMENT => "agrees",
        Some(g) if g < 0.0 => "slower in the step than alone",
        Some(_) => "faster in the step than alone",
    };
    let cause = if work.class.memory_bound() {
        let ratio = work.isolated_s / at_bandwidth(work, o).max(f64::MIN_POSITIVE);
        let dispatch_share =
            work.dispatches as f64 * o.dispatch_s / work.isolated_s.max(f64::MIN_POSITIVE);
        let bound = if dispatch_share >= 0.5 {
            "dispatch-bound"
        } else if ratio <= 1.5 {
            "bandwidth-bound"
        } else if matches!(work.class, KernelClass::LayerNorm | KernelClass::Loss) {
            "bound by its per-row reductions, not bandwidth"
        } else {
            "below the copy bandwidth at this size"
        };
        format!(
            "alone: {ratio:.1}x its bytes at copy bandwidth, {:.0}% dispatch overhead: {bound}",
            100.0 * dispatch_share.min(1.0)
        )
    } else {
        match work.flushed_s {
            Some(f) if work.isolated_s > 0.0 => format!(
                "caches flushed before each repeat: {:+.0}%",
                100.0 * (f / work.isolated_s - 1.0)
            ),
            _ => "no cache-flushed timing".to_string(),
        }
    };
    format!("{verdict}; {cause}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const O: Overheads = Overheads {
        dispatch_s: 1e-5,
        submission_s: 1e-4,
        bandwidth_bytes_per_s: 1e10,
    };

    fn work(class: KernelClass, dispatches: u32, bytes: f64, isolated_s: f64) -> ClassWork {
        ClassWork {
            class,
            dispatches,
            bytes,
            isolated_s,
            flushed_s: None,
        }
    }

    #[test]
    fn a_class_costs_its_isolated_times_and_its_bandwidth_figure_stands_beside() {
        let w = work(KernelClass::Gelu, 4, 1e8, 0.05);
        assert_eq!(class_seconds(&w), 0.05);
        assert!((at_bandwidth(&w, &O) - (0.01 + 4e-5)).abs() < 1e-12);
    }

    #[test]
    fn the_step_adds_one_submission_and_the_zeroing() {
        let classes = vec![
            work(KernelClass::MatmulForward, 1, 0.0, 0.5),
            work(KernelClass::Optimizer, 1, 1e10, 1.0),
        ];
        let s = step_seconds(&classes, 0.1, &O);
        assert!((s - (0.5 + 1.0 + 1e-4 + 0.1)).abs() < 1e-12);
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
        let w = work(KernelClass::Gelu, 1, 1e8, 0.01);
        assert!(explain(&w, None, &O).starts_with("not measured"));
    }

    #[test]
    fn each_side_of_the_tolerance_gets_its_own_verdict() {
        let w = work(KernelClass::MatmulBackward, 1, 0.0, 1.0);
        assert!(explain(&w, Some(0.1), &O).starts_with("agrees"));
        assert!(explain(&w, Some(-0.3), &O).starts_with("slower in the step"));
        assert!(explain(&w, Some(0.3), &O).starts_with("faster in the step"));
    }

    #[test]
    fn a_memory_bound_class_is_named_by_what_its_isolated_time_shows() {
        // 1 MB at 10 GB/s is 0.1 ms: at 0.11 ms it streams.
        let streams = work(KernelClass::Gelu, 1, 1e6, 1.1e-4);
        assert!(explain(&streams, Some(0.0), &O).contains("bandwidth-bound"));
        // 100 dispatches at 10 µs each are most of 1.5 ms.
        let many = work(KernelClass::Optimizer, 100, 1e6, 1.5e-3);
        assert!(explain(&many, Some(0.0), &O).contains("dispatch-bound"));
        let rows = work(KernelClass::LayerNorm, 1, 1e6, 1e-3);
        let text = explain(&rows, Some(0.0), &O);
        assert!(
            text.contains("reductions") && text.contains("9.1x"),
            "{text}"
        );
    }

    #[test]
    fn a_product_says_what_flushing_the_caches_changed() {
        let w = ClassWork {
            flushed_s: Some(1.2),
            ..work(KernelClass::MatmulForward, 2, 0.0, 1.0)
        };
        assert!(explain(&w, Some(-0.05), &O).contains("+20%"));
    }
}
