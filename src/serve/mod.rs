//! flopcost in the browser: the page (`web/`), the data it runs on (kernel plans and the story
//! the CLI computes), a local server that takes results back, and the static build.

mod accept;
mod http;
mod server;
mod site;
mod story;

pub use accept::{accept_result, AcceptError, MAX_BODY_BYTES};
pub use server::{serve, ServeOptions};
pub use site::{site_files, write_static_site, SiteFile, PAGE_SIZES};
pub use story::{story, PageStory};
