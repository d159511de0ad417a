//! `flopcost serve`'s HTTP side: the page's files by GET, a result by POST to `/api/results`,
//! and a 4xx for everything else.

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tiny_http::{Header, Method, Request, Response, Server};

use super::accept::{accept_result, AcceptError, MAX_BODY_BYTES};
use super::site::SiteFile;

pub struct ServeOptions {
    pub addr: SocketAddr,
    /// Where posted results are saved, under names the server chooses.
    pub results_dir: PathBuf,
}

/// Requests handled at once: enough that one slow client does not hold up the page.
const WORKERS: usize = 4;

const RESULTS_PATH: &str = "/api/results";

/// How often an idle worker looks whether Ctrl-C was pressed.
const POLL: std::time::Duration = std::time::Duration::from_millis(200);

/// Binds `options.addr`, calls `on_listening` with the address actually bound (port 0 picks a
/// free one), then serves until Ctrl-C.
pub fn serve(
    options: ServeOptions,
    files: Vec<SiteFile>,
    on_listening: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let server = Server::http(options.addr).map_err(|e| {
        anyhow::anyhow!(
            "cannot listen on {}: {e} (if another program holds the port, choose another \
                 with --port, or --port 0 for any free one)",
            options.addr
        )
    })?;
    let bound = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| anyhow::anyhow!("the server is not on an IP address"))?;
    on_listening(bound);
    let site = Arc::new(Site {
        files,
        results_dir: options.results_dir,
        loopback: bound.ip().is_loopback(),
        posts_in_flight: AtomicUsize::new(0),
    });
    let server = Arc::new(server);
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (server, site) = (Arc::clone(&server), Arc::clone(&site));
            std::thread::spawn(move || loop {
                match server.recv_timeout(POLL) {
                    Ok(Some(request)) => handle(request, &site),
                    Ok(None) if crate::interrupt::interrupted() => break,
                    Ok(None) => {}
                    Err(_) => break,
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    Ok(())
}

struct Site {
    files: Vec<SiteFile>,
    results_dir: PathBuf,
    /// Bound to loopback: only requests naming a loopback host are this server's.
    loopback: bool,
    posts_in_flight: AtomicUsize,
}

/// Bodies being read at once. Each has its own thread, so a client that sends its body slowly
/// holds up no one else; past this many, further posts are turned away.
const MAX_POSTS_IN_FLIGHT: usize = 16;

fn handle(request: Request, site: &Arc<Site>) {
    let path = request.url().split('?').next().unwrap_or("").to_string();
    // A client that hangs up mid-answer is its own affair, not the server's.
    if path != RESULTS_PATH {
        let _ = serve_file(request, &path, site);
    } else if *request.method() != Method::Post {
        let _ = request.respond(text(405, "POST a result here"));
    } else if site.posts_in_flight.fetch_add(1, Ordering::SeqCst) >= MAX_POSTS_IN_FLIGHT {
        site.posts_in_flight.fetch_sub(1, Ordering::SeqCst);
        let _ = request.respond(text(503, "too many results arriving at once; try again"));
    } else {
        let site = Arc::clone(site);
        std::thread::spawn(move || {
            let mut request = request;
            let (status, message) = post_result(&mut request, &site);
            site.posts_in_flight.fetch_sub(1, Ordering::SeqCst);
            let _ = request.respond(text(status, &message));
        });
    }
}

fn serve_file(request: Request, path: &str, site: &Site) -> std::io::Result<()> {
    let name = match path {
        "/" => "index.html",
        other => other.trim_start_matches('/'),
    };
    let Some(file) = site.files.iter().find(|f| f.name == name) else {
        return request.respond(text(404, "no such page"));
    };
    if *request.method() != Method::Get {
        return request.respond(text(405, "this server takes only GET here"));
    }
    let response = Response::from_data(file.body.clone())
        .with_header(header("Content-Type", file.content_type))
        .with_header(header("X-Content-Type-Options", "nosniff"))
        .with_header(header("Cache-Control", "no-store"))
        .with_header(header(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: blob:",
        ));
    request.respond(response)
}

/// Whether `host` (a Host header) names this machine's loopback: a page on another name that
/// resolves here (DNS rebinding) is not our page.
fn is_loopback_host(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    };
    matches!(name, "127.0.0.1" | "localhost" | "[::1]")
}

/// The status and message for one POST of a result.
fn post_result(request: &mut Request, site: &Site) -> (u16, String) {
    let header_value = |name: &'static str| {
        request
            .headers()
            .iter()
            .find(|h| h.field.equiv(name))
            .map(|h| h.value.as_str().to_string())
    };
    let host = header_value("Host").unwrap_or_default();
    if site.loopback && !is_loopback_host(&host) {
        return (
            403,
            format!("this server answers to 127.0.0.1, not to '{host}'"),
        );
    }
    // Another site's page in the same browser may post here; only our own page may.
    if let Some(origin) = header_value("Origin") {
        if origin != format!("http://{host}") {
            return (403, format!("posts from {origin} are not taken"));
        }
    }
    let json = header_value("Content-Type")
        .is_some_and(|t| t.split(';').next().unwrap_or("").trim() == "application/json");
    if !json {
        return (415, "send the result as application/json".into());
    }
    match request.body_length() {
        Some(n) if n > MAX_BODY_BYTES => return (413, AcceptError::TooLarge.to_string()),
        Some(_) => {}
        None => return (411, "give the body's Content-Length".into()),
    }
    let mut body = Vec::new();
    let limit = MAX_BODY_BYTES as u64 + 1;
    if let Err(e) = request.as_reader().take(limit).read_to_end(&mut body) {
        return (400, format!("reading the body: {e}"));
    }
    match accept_result(&body, &site.results_dir) {
        Ok(path) => {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            eprintln!("saved a browser result: {}", path.display());
            (201, name.unwrap_or_default())
        }
        Err(AcceptError::TooLarge) => (413, AcceptError::TooLarge.to_string()),
        Err(e @ AcceptError::NotAResult(_)) => (400, e.to_string()),
        Err(e @ AcceptError::Io(_)) => {
            eprintln!("error: {e}");
            (500, "the server could not save the result".into())
        }
    }
}

fn header(name: &str, value: &str) -> Header {
    // Both halves are ASCII constants of this file.
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("valid header")
}

fn text(status: u16, message: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    Response::from_string(format!("{message}\n"))
        .with_status_code(status)
        .with_header(header("Content-Type", "text/plain; charset=utf-8"))
        .with_header(header("X-Content-Type-Options", "nosniff"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_names_are_loopback_hosts() {
        for host in ["127.0.0.1:8765", "localhost:1", "[::1]:80", "localhost"] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "evil.example:8765",
            "127.0.0.1.evil.example",
            "",
            "10.0.0.1:8765",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }
}
