//! The three kinds of catalog entry: accelerators, models and reported training runs.

use serde::Serialize;

use super::figure::Figure;

/// Number formats a datasheet quotes a peak for. FP32 is the non-tensor (CUDA-core) rate;
/// BF16, FP16 and FP8 are the dense tensor-core rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    Fp64,
    Fp32,
    Tf32,
    Bf16,
    Fp16,
    Fp8,
}

impl Precision {
    pub const ALL: [Precision; 6] = [
        Precision::Fp64,
        Precision::Fp32,
        Precision::Tf32,
        Precision::Bf16,
        Precision::Fp16,
        Precision::Fp8,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Precision::Fp64 => "fp64",
            Precision::Fp32 => "fp32",
            Precision::Tf32 => "tf32",
            Precision::Bf16 => "bf16",
            Precision::Fp16 => "fp16",
            Precision::Fp8 => "fp8",
        }
    }

    pub fn from_name(name: &str) -> Option<Precision> {
        Precision::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// Dense peak rates in TFLOP/s, one optional figure per precision.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PeakRates {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fp64: Option<Figure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fp32: Option<Figure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tf32: Option<Figure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bf16: Option<Figure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fp16: Option<Figure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fp8: Option<Figure>,
}

impl PeakRates {
    pub fn is_empty(&self) -> bool {
        Precision::ALL.iter().all(|p| self.get(*p).is_none())
    }

    pub fn get(&self, precision: Precision) -> Option<&Figure> {
        match precision {
            Precision::Fp64 => self.fp64.as_ref(),
            Precision::Fp32 => self.fp32.as_ref(),
            Precision::Tf32 => self.tf32.as_ref(),
            Precision::Bf16 => self.bf16.as_ref(),
            Precision::Fp16 => self.fp16.as_ref(),
            Precision::Fp8 => self.fp8.as_ref(),
        }
    }

    pub fn set(&mut self, precision: Precision, figure: Figure) {
        let slot = match precision {
            Precision::Fp64 => &mut self.fp64,
            Precision::Fp32 => &mut self.fp32,
            Precision::Tf32 => &mut self.tf32,
            Precision::Bf16 => &mut self.bf16,
            Precision::Fp16 => &mut self.fp16,
            Precision::Fp8 => &mut self.fp8,
        };
        *slot = Some(figure);
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Accelerator {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub peak_tflops: PeakRates,
    /// Maximum achievable matmul TFLOP/s (the best rate a matmul shape search reached on this
    /// accelerator), per precision where a source measured one.
    #[serde(skip_serializing_if = "PeakRates::is_empty")]
    pub mamf_tflops: PeakRates,
    /// Accelerators of one generation share a calibration group ("nvidia-hopper").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// Substrings of an adapter name that identify this accelerator ("h100 80gb hbm3").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub adapter_names: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tdp_watts: Option<Figure>,
    /// A sourced rental price per device-hour, where the catalog has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usd_per_hour: Option<Figure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_tb_s: Option<Figure>,
}

impl Accelerator {
    /// The calibration group: its family, else its own id.
    pub fn group(&self) -> &str {
        self.family.as_deref().unwrap_or(&self.id)
    }

    /// True when a GPU adapter's name names this accelerator (case and punctuation ignored).
    pub fn matches_adapter(&self, adapter_name: &str) -> bool {
        let adapter = squash(adapter_name);
        self.adapter_names
            .iter()
            .any(|n| !squash(n).is_empty() && adapter.contains(&squash(n)))
    }
}

fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Model {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Total parameters.
    pub params: Figure,
    /// Parameters used per token, for a mixture-of-experts model; absent for a dense one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active_params: Option<Figure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layers: Option<Figure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub d_model: Option<Figure>,
    /// Attention width when it differs from d_model; the attention term uses d_model otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub d_attn: Option<Figure>,
    /// Training context length in tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<Figure>,
    /// Training FLOPs per token where the source counts them (it may exceed 6·N: attention,
    /// routers); the work of every estimate of this model is then tokens × this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flops_per_token: Option<Figure>,
}

impl Model {
    /// The N of 6·N·D: activated parameters for MoE, all parameters for a dense model.
    pub fn flop_params(&self) -> &Figure {
        self.active_params.as_ref().unwrap_or(&self.params)
    }

    /// (layers, context, attention width) when the model gives all three.
    pub fn attention_shape(&self) -> Option<(f64, f64, f64)> {
        let width = self.d_attn.as_ref().or(self.d_model.as_ref())?;
        Some((
            self.layers.as_ref()?.value,
            self.context.as_ref()?.value,
            width.value,
        ))
    }
}

/// What a run's device-hours cover: the calibration compares like with like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HoursDefinition {
    /// GPU-hours of pre-training alone.
    PreTraining,
    /// The model's total training time, every stage the source counted.
    AllStages,
    /// A steady-state rate (GPU-hours per trillion tokens, say) the source quotes.
    SteadyStateRate,
    /// Devices × wall-clock time: restarts, failures and idle time included.
    #[serde(rename = "devices_x_wall_time")]
    DevicesTimesWallTime,
}

impl HoursDefinition {
    pub const ALL: [HoursDefinition; 4] = [
        HoursDefinition::PreTraining,
        HoursDefinition::AllStages,
        HoursDefinition::SteadyStateRate,
        HoursDefinition::DevicesTimesWallTime,
    ];

    pub fn name(self) -> &'static str {
        match self {
            HoursDefinition::PreTraining => "pre_training",
            HoursDefinition::AllStages => "all_stages",
            HoursDefinition::SteadyStateRate => "steady_state_rate",
            HoursDefinition::DevicesTimesWallTime => "devices_x_wall_time",
        }
    }

    pub fn from_name(name: &str) -> Option<HoursDefinition> {
        HoursDefinition::ALL.into_iter().find(|h| h.name() == name)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Run {
    pub id: String,
    pub model: String,
    pub stage: String,
    /// The run this one is a stage of (e.g. "deepseek-r1-zero" is part of "deepseek-r1").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_of: Option<String>,
    pub accelerator: String,
    /// The paper or lab report the run comes from ("llama-2"): runs of one source are not
    /// independent, so the back-test holds them out together. Absent: the run's own id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publication: Option<String>,
    /// What its hours cover; absent: pre-training, or devices × wall time when only those are
    /// given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hours_definition: Option<HoursDefinition>,
    /// The number format the run trained in, where published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<Precision>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub devices: Option<Figure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wall_hours: Option<Figure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gpu_hours: Option<Figure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens: Option<Figure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flops: Option<Figure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<Figure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usd_per_gpu_hour: Option<Figure>,
    /// As published, against the denominator the source names (see its note).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfu: Option<Figure>,
}

impl Run {
    /// The source group the back-test holds out together.
    pub fn source_group(&self) -> &str {
        self.publication.as_deref().unwrap_or(&self.id)
    }

    /// What its hours cover, as recorded or as its figures imply.
    pub fn hours_covered(&self) -> HoursDefinition {
        match self.hours_definition {
            Some(h) => h,
            None if self.gpu_hours.is_none() && self.wall_hours.is_some() => {
                HoursDefinition::DevicesTimesWallTime
            }
            None => HoursDefinition::PreTraining,
        }
    }

    /// GPU-hours as reported, else devices × wall hours (derived).
    pub fn device_hours(&self) -> Option<Figure> {
        if let Some(hours) = &self.gpu_hours {
            return Some(hours.clone());
        }
        let devices = self.devices.as_ref()?;
        let wall = self.wall_hours.as_ref()?;
        Some(Figure::derived(
            devices.value * wall.value,
            format!("devices × wall hours ({} × {})", devices.value, wall.value),
        ))
    }
}
