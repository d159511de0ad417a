//! One sourced number: every figure in the catalog says where it came from.

use serde::Serialize;

/// Whether a figure was published as such or computed here from published ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FigureKind {
    Reported,
    Derived,
}

impl FigureKind {
    pub fn name(self) -> &'static str {
        match self {
            FigureKind::Reported => "reported",
            FigureKind::Derived => "derived",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    pub value: f64,
    pub kind: FigureKind,
    /// Paper or datasheet, with section or table, so a reader can check the number.
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Figure {
    /// A figure computed by flopcost itself (used in tests and for derived values).
    pub fn derived(value: f64, source: impl Into<String>) -> Self {
        Figure {
            value,
            kind: FigureKind::Derived,
            source: source.into(),
            note: None,
        }
    }

    /// "147000 (reported: DeepSeek-R1 ..., Table 7)".
    pub fn cite(&self) -> String {
        format!("{}: {}", self.kind.name(), self.source)
    }
}
