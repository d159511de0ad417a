//! The browser page's flags (`serve`, `web`).

use std::net::IpAddr;
use std::path::PathBuf;

use clap::Args;

use crate::commands::serve::{ServeCommand, DEFAULT_BIND, DEFAULT_PORT};

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Port to listen on (0: any free port; the address is printed).
    #[arg(long, default_value_t = DEFAULT_PORT)]
    pub port: u16,
    /// Address to listen on. Anything but loopback lets others post results.
    #[arg(long, default_value_t = DEFAULT_BIND)]
    pub bind: IpAddr,
    /// Open the page in the default browser.
    #[arg(long)]
    pub open: bool,
    /// Folder the page's results are saved in (created if missing).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub results: PathBuf,
}

impl From<ServeArgs> for ServeCommand {
    fn from(args: ServeArgs) -> Self {
        ServeCommand {
            port: args.port,
            bind: args.bind,
            open: args.open,
            results: args.results,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct WebArgs {
    /// Folder to write the site into (created if missing; its page files are replaced).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}
