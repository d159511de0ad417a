//! Matrix-multiply kernel families. Each family is one Rust file here and one WGSL file in
//! `shaders/`; [`registry`] is the one list that names them all.

mod kernel;
mod naive;
mod tiled;

pub use kernel::{MatmulKernel, MatmulProblem};
pub use naive::naive;
pub use tiled::{tiled, TiledConfig};

/// Every kernel `bench` runs by default, by name.
pub fn registry() -> Vec<MatmulKernel> {
    vec![naive(), tiled(TiledConfig::default())]
}

/// The kernel called `name`, or an error listing the names there are.
pub fn find(name: &str) -> Result<MatmulKernel, crate::error::FlopcostError> {
    let all = registry();
    let names: Vec<String> = all.iter().map(|k| k.name.clone()).collect();
    all.into_iter().find(|k| k.name == name).ok_or_else(|| {
        crate::error::FlopcostError::bad_input(format!(
            "unknown kernel '{name}'; known kernels: {}",
            names.join(", ")
        ))
    })
}
