//! JSON: the whole `BenchReport`, the same document `bench --save` writes.

use super::Exporter;
use crate::model::BenchReport;

pub struct JsonExporter;

impl Exporter for JsonExporter {
    fn serialize(&self, report: &BenchReport) -> anyhow::Result<Vec<u8>> {
        let mut bytes = serde_json::to_vec_pretty(report)?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}
