//! `flopcost serve`: the page on a local server, taking results back.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::report::serve_text;
use crate::serve::{serve, site_files, ServeOptions};

use super::Globals;

/// Port `serve` listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 8765;
/// Loopback: only this machine can reach the page or post results.
pub const DEFAULT_BIND: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

#[derive(Debug, Clone)]
pub struct ServeCommand {
    /// 0: any free port (the address is printed).
    pub port: u16,
    pub bind: IpAddr,
    /// Open the page in the default browser.
    pub open: bool,
    /// Folder the page's results are saved in (created if missing).
    pub results: PathBuf,
}

pub fn run(args: &ServeCommand, globals: &Globals) -> Result<()> {
    let story = super::web::page_story(globals)?;
    std::fs::create_dir_all(&args.results)
        .with_context(|| format!("creating {}", args.results.display()))?;
    if !args.bind.is_loopback() {
        eprintln!(
            "{}",
            serve_text::not_loopback_warning(args.bind, &args.results)
        );
    }
    let options = ServeOptions {
        addr: SocketAddr::new(args.bind, args.port),
        results_dir: args.results.clone(),
    };
    let open = args.open;
    let results = args.results.display().to_string();
    serve(options, site_files(&story, true), move |addr| {
        let url = format!("http://{addr}/");
        // The first line of stdout is the address, for scripts that asked for port 0.
        println!("{url}");
        eprintln!("{}", serve_text::listening(&url, &results));
        if open {
            open_browser(&url);
        }
    })?;
    eprintln!("{}", serve_text::STOPPED);
    Ok(())
}

fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(opener).arg(url).spawn() {
        eprintln!("{}", serve_text::open_failed(opener, &e, url));
    }
}
