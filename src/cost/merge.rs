//! Summing several machines' saved results into one cluster figure, per dtype.

use super::measured::{best_passed, gflops};
use crate::model::{BenchReport, Dtype};
use crate::model::{
    DeviceBest, MergedDtype, MergedReport, MERGED_KIND, MERGED_MEANING, MERGED_SCHEMA_VERSION,
};

/// For each dtype any file has a passed result in: the sum of each file's best GFLOP/s.
/// `reports` pairs each report with the name of its file.
pub fn merge_reports(reports: &[(String, BenchReport)]) -> MergedReport {
    let mut dtypes = Vec::new();
    for dtype in [Dtype::F32, Dtype::F16] {
        let per_device: Vec<DeviceBest> = reports
            .iter()
            .filter_map(|(file, report)| {
                best_passed(report, Some(dtype)).map(|best| DeviceBest {
                    file: file.clone(),
                    adapter: report.adapter.name.clone(),
                    software_adapter: report.software_adapter || report.adapter.is_software(),
                    kernel: best.kernel.clone(),
                    m: best.m,
                    n: best.n,
                    k: best.k,
                    gflops: gflops(best),
                    slurm_task: report.slurm_task.clone(),
                })
            })
            .collect();
        if per_device.is_empty() {
            continue;
        }
        dtypes.push(MergedDtype {
            dtype,
            total_gflops: per_device.iter().map(|d| d.gflops).sum(),
            devices: per_device.len(),
            per_device,
        });
    }
    MergedReport {
        kind: MERGED_KIND.to_string(),
        schema_version: MERGED_SCHEMA_VERSION,
        meaning: MERGED_MEANING.to_string(),
        dtypes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(text: &str) -> BenchReport {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn sums_each_files_best_per_dtype() {
        let a = report(include_str!("../../tests/fixtures/gpu-a.json"));
        let b = report(include_str!("../../tests/fixtures/gpu-b.json"));
        let merged = merge_reports(&[("a".into(), a), ("b".into(), b)]);
        assert_eq!(merged.kind, MERGED_KIND);
        assert!(merged.meaning.contains("not a measured cluster"));
        let f32 = &merged.dtypes[0];
        assert_eq!(f32.dtype, Dtype::F32);
        assert_eq!(f32.devices, 2);
        // Best of each: a's tiled (1 ms) and b's tiled (2.31 ms) at 1024³.
        let flop = 2.0 * 1024f64.powi(3);
        let expected = flop / 0.001 / 1e9 + flop / 0.00231 / 1e9;
        assert!((f32.total_gflops - expected).abs() < 1e-6);
        assert_eq!(merged.dtypes[1].devices, 1);
    }
}
