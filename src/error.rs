//! Errors the user can act on, each with its own exit code so scripts can tell them apart.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum FlopcostError {
    /// A command-line value, catalog or results file that cannot be used as given.
    #[error("{0}")]
    BadInput(String),
    /// wgpu found no adapter at all, or none matching the user's choice.
    #[error("{0}")]
    NoAdapter(String),
    /// A kernel produced a wrong answer; its time was not reported.
    #[error("{0}")]
    ValidationFailed(String),
    /// The device reported an error, hung or was lost.
    #[error("{0}")]
    Device(String),
    /// Ctrl-C: what was measured was kept, and the message says where.
    #[error("{0}")]
    Interrupted(String),
}

impl FlopcostError {
    pub fn bad_input(msg: impl Into<String>) -> Self {
        FlopcostError::BadInput(msg.into())
    }

    /// Exit codes documented in the README: 1 is any other failure (I/O...), 2 matches clap's
    /// own code for a bad command line.
    pub fn exit_code(&self) -> i32 {
        match self {
            FlopcostError::BadInput(_) => 2,
            FlopcostError::NoAdapter(_) => 3,
            FlopcostError::ValidationFailed(_) => 4,
            FlopcostError::Device(_) => 5,
            FlopcostError::Interrupted(_) => crate::interrupt::INTERRUPTED_EXIT_CODE,
        }
    }
}

/// The exit code for any error that reached `main`.
pub fn exit_code_of(err: &anyhow::Error) -> i32 {
    err.chain()
        .find_map(|cause| cause.downcast_ref::<FlopcostError>())
        .map(FlopcostError::exit_code)
        .unwrap_or(1)
}
