//! `flopcost serve`'s HTTP side: the page's files by GET, a result by POST to `/api/results`,
//! and a 4xx for everything else.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use super::accept::{accept_result, AcceptError, MAX_BODY_BYTES};
use super::http::{read_request, respond, HttpRequest, HttpResponse, CLIENT_TIMEOUT};
use super::site::SiteFile;

pub struct ServeOptions {
    pub addr: SocketAddr,
    /// Where posted results are saved, under names the server chooses.
    pub results_dir: PathBuf,
}

const RESULTS_PATH: &str = "/api/results";

/// How often the listener looks whether Ctrl-C was pressed.
const POLL: std::time::Duration = std::time::Duration::from_millis(100);

/// Connections served at once, each on its own thread (a page opens about six); past this
/// many, a connection is answered 503 at once.
const MAX_CONNECTIONS: usize = 64;

/// Binds `options.addr`, calls `on_listening` with the address actually bound (port 0 picks a
/// free one), then serves until Ctrl-C.
pub fn serve(
    options: ServeOptions,
    files: Vec<SiteFile>,
    on_listening: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let listener = TcpListener::bind(options.addr).map_err(|e| {
        anyhow::anyhow!(
            "cannot listen on {}: {e} (if another program holds the port, choose another \
                 with --port, or --port 0 for any free one)",
            options.addr
        )
    })?;
    let bound = listener.local_addr()?;
    // Not blocking in accept, so Ctrl-C is seen within POLL.
    listener.set_nonblocking(true)?;
    on_listening(bound);
    let site = Arc::new(Site {
        files,
        results_dir: options.results_dir,
        loopback: bound.ip().is_loopback(),
        connections: AtomicUsize::new(0),
    });
    while !crate::interrupt::interrupted() {
        match listener.accept() {
            Ok((stream, _)) => {
                let site = Arc::clone(&site);
                if site.connections.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
                    site.connections.fetch_sub(1, Ordering::SeqCst);
                    let busy = HttpResponse::text(503, "too many connections at once; try again");
                    let _ = prepare(&stream).and_then(|_| respond(&stream, &busy));
                    continue;
                }
                std::thread::spawn(move || {
                    // A client that hangs up mid-answer is its own affair, not the server's.
                    let _ = prepare(&stream).and_then(|_| handle(&stream, &site));
                    site.connections.fetch_sub(1, Ordering::SeqCst);
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::sleep(POLL),
            // A connection that failed before it was accepted is no reason to stop serving.
            Err(_) => std::thread::sleep(POLL),
        }
    }
    Ok(())
}

struct Site {
    files: Vec<SiteFile>,
    results_dir: PathBuf,
    /// Bound to loopback: only requests naming a loopback host are this server's.
    loopback: bool,
    connections: AtomicUsize,
}

/// A blocking socket (the listener's non-blocking mode is not for it) that gives up on a
/// client too slow to send its request or read its answer.
fn prepare(stream: &TcpStream) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(CLIENT_TIMEOUT))?;
    stream.set_write_timeout(Some(CLIENT_TIMEOUT))
}

fn handle(stream: &TcpStream, site: &Site) -> std::io::Result<()> {
    let response = match read_request(stream, MAX_BODY_BYTES) {
        Err(refusal) => refusal,
        Ok(request) => answer(&request, site),
    };
    respond(stream, &response)
}

fn answer(request: &HttpRequest, site: &Site) -> HttpResponse {
    let path = request.path();
    if path != RESULTS_PATH {
        serve_file(request, path, site)
    } else if request.method != "POST" {
        HttpResponse::text(405, "POST a result here")
    } else {
        let (status, message) = post_result(request, site);
        HttpResponse::text(status, &message)
    }
}

fn serve_file(request: &HttpRequest, path: &str, site: &Site) -> HttpResponse {
    let name = match path {
        "/" => "index.html",
        other => other.trim_start_matches('/'),
    };
    let Some(file) = site.files.iter().find(|f| f.name == name) else {
        return HttpResponse::text(404, "no such page");
    };
    if request.method != "GET" {
        return HttpResponse::text(405, "this server takes only GET here");
    }
    HttpResponse {
        status: 200,
        headers: vec![
            ("Content-Type", file.content_type.into()),
            ("X-Content-Type-Options", "nosniff".into()),
            ("Cache-Control", "no-store".into()),
            (
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data: blob:".into(),
            ),
        ],
        body: file.body.clone(),
    }
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
fn post_result(request: &HttpRequest, site: &Site) -> (u16, String) {
    let host = request.header("Host").unwrap_or_default();
    if site.loopback && !is_loopback_host(host) {
        return (
            403,
            format!("this server answers to 127.0.0.1, not to '{host}'"),
        );
    }
    // Another site's page in the same browser may post here; only our own page may.
    if let Some(origin) = request.header("Origin") {
        if origin != format!("http://{host}") {
            return (403, format!("posts from {origin} are not taken"));
        }
    }
    let json = request
        .header("Content-Type")
        .is_some_and(|t| t.split(';').next().unwrap_or("").trim() == "application/json");
    if !json {
        return (415, "send the result as application/json".into());
    }
    if request.header("Content-Length").is_none() {
        return (411, "give the body's Content-Length".into());
    }
    match accept_result(&request.body, &site.results_dir) {
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
