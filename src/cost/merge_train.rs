//! Summing several devices' training runs into one figure: tokens per second added up, only
//! where every device trained the same model at the same precision (tokens of different models
//! do not add).

use crate::error::FlopcostError;
use crate::model::{
    MergedTrainReport, TrainDevice, TrainReport, MERGED_TRAIN_KIND, MERGED_TRAIN_MEANING,
    MERGED_TRAIN_SCHEMA_VERSION,
};

/// The sum of each report's tokens per second. `reports` pairs each report with the name of its
/// file; they must all describe the same model (its dimensions) at the same precision.
pub fn merge_train_reports(
    reports: &[(String, TrainReport)],
) -> Result<MergedTrainReport, FlopcostError> {
    let Some((first_file, first)) = reports.first() else {
        return Err(FlopcostError::bad_input("no train report to merge"));
    };
    for (file, report) in &reports[1..] {
        if report.model != first.model || report.precision != first.precision {
            return Err(FlopcostError::bad_input(format!(
                "{file} trained {:?} at {}, but {first_file} trained {:?} at {}: tokens per second \
                 of different models do not add; merge runs of one configuration",
                report.model, report.precision, first.model, first.precision
            )));
        }
    }
    let per_device: Vec<TrainDevice> = reports
        .iter()
        .map(|(file, r)| TrainDevice {
            file: file.clone(),
            adapter: r.adapter.name.clone(),
            software_adapter: r.software_adapter || r.adapter.is_software(),
            tokens_per_s: r.tokens_per_s,
            step_median_s: r.step_time.median_s,
            slurm_task: r.slurm_task.clone(),
        })
        .collect();
    Ok(MergedTrainReport {
        kind: MERGED_TRAIN_KIND.to_string(),
        schema_version: MERGED_TRAIN_SCHEMA_VERSION,
        meaning: MERGED_TRAIN_MEANING.to_string(),
        model: first.model,
        preset: first.preset.clone(),
        precision: first.precision.clone(),
        total_tokens_per_s: per_device.iter().map(|d| d.tokens_per_s).sum(),
        devices: per_device.len(),
        per_device,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> TrainReport {
        serde_json::from_str(include_str!(
            "../../tests/fixtures/train/report-lavapipe.json"
        ))
        .unwrap()
    }

    #[test]
    fn sums_each_devices_tokens_per_second_and_says_what_the_sum_is() {
        let a = report();
        let mut b = report();
        b.tokens_per_s = 2.0 * a.tokens_per_s;
        let merged = merge_train_reports(&[("a".into(), a.clone()), ("b".into(), b)]).unwrap();
        assert_eq!(merged.kind, MERGED_TRAIN_KIND);
        assert!(merged.meaning.contains("not a data-parallel run"));
        assert_eq!(merged.devices, 2);
        assert_eq!(merged.total_tokens_per_s, 3.0 * a.tokens_per_s);
        assert_eq!(merged.model, a.model);
        assert_eq!(merged.per_device[1].file, "b");
    }

    #[test]
    fn different_models_do_not_add() {
        let a = report();
        let mut b = report();
        b.model.batch += 1;
        let err = merge_train_reports(&[("a.json".into(), a), ("b.json".into(), b)])
            .unwrap_err()
            .to_string();
        assert!(err.contains("do not add"), "{err}");
        assert!(err.contains("a.json") && err.contains("b.json"), "{err}");
        assert!(merge_train_reports(&[]).is_err());
    }
}
