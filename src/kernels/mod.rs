//! Matrix-multiply kernel families. Each family is one Rust file here and one WGSL file in
//! `shaders/`; [`families`] is the one list that names them all.

mod coop;
mod kernel;
mod naive;
mod pack;
pub mod plan;
mod texture;
mod tiled;
mod tiled_vec4;
mod unroll;

pub use coop::{coop_matrix, COOP_SHAPE};
pub use kernel::{InputLayout, MatmulKernel, SubgroupUse};
pub use naive::naive;
pub use pack::{pack_pass, PackPass, PACK_WORKGROUP};
pub use texture::{texture, texture_candidates, TextureConfig};
pub use tiled::{tiled, tiled_candidates, TiledConfig};
pub use tiled_vec4::{tiled_vec4, tiled_vec4_candidates, Vec4Config};

use crate::error::FlopcostError;
use crate::model::Dtype;

/// A kernel family: its configuration without tuning, and every configuration `tune` may try.
#[derive(Debug, Clone)]
pub struct Family {
    pub name: &'static str,
    pub dtype: Dtype,
    pub default: fn() -> MatmulKernel,
    pub candidates: fn() -> Vec<MatmulKernel>,
}

/// Every family, in the order results are printed. Adding a family means adding its file and
/// one entry here.
pub fn families() -> Vec<Family> {
    vec![
        Family {
            name: "naive",
            dtype: Dtype::F32,
            default: naive,
            candidates: || vec![naive()],
        },
        Family {
            name: "tiled",
            dtype: Dtype::F32,
            default: || tiled(TiledConfig::default()),
            candidates: tiled_candidates,
        },
        Family {
            name: "tiled-vec4",
            dtype: Dtype::F32,
            default: || tiled_vec4(Vec4Config::default(), Dtype::F32, Dtype::F32),
            candidates: || tiled_vec4_candidates(Dtype::F32, Dtype::F32),
        },
        Family {
            name: "texture",
            dtype: Dtype::F32,
            default: || texture(TextureConfig::default(), false, Dtype::F32),
            candidates: || texture_candidates(&[false], Dtype::F32),
        },
        Family {
            name: "texture-subgroup",
            dtype: Dtype::F32,
            default: || texture(TextureConfig::default(), true, Dtype::F32),
            candidates: || texture_candidates(&[true], Dtype::F32),
        },
        Family {
            name: "tiled-vec4-f16",
            dtype: Dtype::F16,
            default: || tiled_vec4(Vec4Config::default(), Dtype::F16, Dtype::F32),
            candidates: || tiled_vec4_candidates(Dtype::F16, Dtype::F32),
        },
        Family {
            name: "texture-f16",
            dtype: Dtype::F16,
            default: || texture(TextureConfig::default(), false, Dtype::F16),
            // Sharing first: it measured faster where it runs, and an adapter without
            // subgroups rules those out before any time is spent on them.
            candidates: || texture_candidates(&[true, false], Dtype::F16),
        },
        Family {
            name: "tiled-vec4-f16acc",
            dtype: Dtype::F16,
            default: || tiled_vec4(Vec4Config::default(), Dtype::F16, Dtype::F16),
            candidates: || tiled_vec4_candidates(Dtype::F16, Dtype::F16),
        },
        Family {
            name: "coop-matrix-f16",
            dtype: Dtype::F16,
            default: coop_matrix,
            candidates: || vec![coop_matrix()],
        },
    ]
}

/// Every family's default configuration.
pub fn registry() -> Vec<MatmulKernel> {
    families().iter().map(|f| (f.default)()).collect()
}

pub fn family(name: &str) -> Result<Family, FlopcostError> {
    let all = families();
    let names: Vec<&str> = all.iter().map(|f| f.name).collect();
    let list = names.join(", ");
    all.into_iter().find(|f| f.name == name).ok_or_else(|| {
        FlopcostError::bad_input(format!("unknown kernel '{name}'; known kernels: {list}"))
    })
}

/// Which kernels a benchmark runs, as `--kernel` names them: resolved once, before a device is
/// opened, so a typo fails fast.
#[derive(Debug, Clone)]
pub enum KernelChoice {
    /// These families, each in its tuned configuration.
    Tuned(Vec<Family>),
    /// One configuration, run exactly as given.
    Forced(MatmulKernel),
}

impl KernelChoice {
    /// No spec: every family; `FAMILY`: that one, tuned as usual; `FAMILY:key=value,...`: one
    /// configuration (see [`find`]).
    pub fn parse(spec: Option<&str>) -> Result<KernelChoice, FlopcostError> {
        Ok(match spec {
            None => KernelChoice::Tuned(families()),
            Some(spec) if spec.contains(':') => {
                let mut kernel = find(spec)?;
                kernel.tuning = Some("forced by --kernel".into());
                KernelChoice::Forced(kernel)
            }
            Some(name) => KernelChoice::Tuned(vec![family(name)?]),
        })
    }
}

/// `NAME` (the family's default configuration) or `NAME:key=value,...` (the candidate whose
/// configuration has those values), as `--kernel` takes it.
pub fn find(spec: &str) -> Result<MatmulKernel, FlopcostError> {
    let (name, settings) = match spec.split_once(':') {
        Some((n, s)) => (n, Some(s)),
        None => (spec, None),
    };
    let fam = family(name)?;
    let Some(settings) = settings else {
        return Ok((fam.default)());
    };
    let mut wanted = Vec::new();
    for pair in settings.split(',').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').ok_or_else(|| {
            FlopcostError::bad_input(format!("--kernel {spec}: '{pair}' is not key=value"))
        })?;
        let value: u64 = value.trim().parse().map_err(|_| {
            FlopcostError::bad_input(format!("--kernel {spec}: '{value}' is not a whole number"))
        })?;
        wanted.push((key.trim().to_string(), value));
    }
    (fam.candidates)()
        .into_iter()
        .find(|k| {
            wanted
                .iter()
                .all(|(key, value)| k.config.get(key).and_then(|v| v.as_u64()) == Some(*value))
        })
        .ok_or_else(|| {
            let keys: Vec<String> = (fam.default)().config.keys().cloned().collect();
            FlopcostError::bad_input(format!(
                "--kernel {spec}: no configuration of '{name}' has those values (its keys: {}; \
                 `flopcost bench --list-kernels` shows the defaults)",
                keys.join(", ")
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_names_are_unique_and_match_their_kernels() {
        let fams = families();
        let mut names: Vec<&str> = fams.iter().map(|f| f.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), fams.len());
        for f in &fams {
            assert_eq!((f.default)().name, f.name);
            assert!((f.candidates)().iter().all(|k| k.name == f.name));
        }
    }

    #[test]
    fn find_by_name_and_by_config() {
        assert_eq!(find("tiled").unwrap().config["bm"], 64);
        let k = find("tiled:bm=32,bn=128,tm=8").unwrap();
        assert_eq!(k.config["bm"], 32);
        assert_eq!(k.config["bn"], 128);
        assert!(find("tiled:bm=31").is_err());
        assert!(find("tiled:bm").is_err());
        let err = find("fastest").unwrap_err().to_string();
        assert!(err.contains("known kernels") && err.contains("texture"));
    }
}
