//! Reports.
pub mod schema;
pub use schema::*;
