//! Which adapter the user asked for, and through which graphics API: what the command line
//! hands a session before any device is opened.

/// What the user asked for: `--adapter` (or `WGPU_ADAPTER_NAME`) and `WGPU_POWER_PREF`. Under
/// Slurm the task's GPU variables or rank also pick a GPU; the device layer reads those itself.
#[derive(Debug, Clone, Default)]
pub struct AdapterRequest {
    /// An index into the adapter list, or a case-insensitive substring of the name.
    pub adapter: Option<String>,
    /// Where the request came from, for the "why" line ("--adapter", "WGPU_ADAPTER_NAME").
    pub adapter_origin: &'static str,
    /// `WGPU_POWER_PREF=low` ranks integrated GPUs above discrete ones.
    pub low_power: bool,
}

impl AdapterRequest {
    /// `--adapter` wins over `WGPU_ADAPTER_NAME`, as command-line flags do over the environment.
    pub fn from_flag_and_env(flag: Option<&str>) -> Self {
        let env_name = std::env::var("WGPU_ADAPTER_NAME")
            .ok()
            .filter(|s| !s.is_empty());
        let (adapter, adapter_origin) = match (flag, env_name) {
            (Some(f), _) => (Some(f.to_string()), "--adapter"),
            (None, Some(e)) => (Some(e), "WGPU_ADAPTER_NAME"),
            (None, None) => (None, ""),
        };
        let low_power = std::env::var("WGPU_POWER_PREF")
            .map(|v| v.eq_ignore_ascii_case("low"))
            .unwrap_or(false);
        AdapterRequest {
            adapter,
            adapter_origin,
            low_power,
        }
    }
}

/// One graphics API, when the user narrows the search to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendChoice {
    Vulkan,
    Metal,
    Dx12,
    Gl,
}

impl BackendChoice {
    pub const ALL: [(&'static str, BackendChoice); 4] = [
        ("vulkan", BackendChoice::Vulkan),
        ("metal", BackendChoice::Metal),
        ("dx12", BackendChoice::Dx12),
        ("gl", BackendChoice::Gl),
    ];
}
