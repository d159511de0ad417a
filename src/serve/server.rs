//! `flopcost serve`'s HTTP side: the page's files by GET, a result by POST to `/api/results`,
//! and a 4xx for everything else.

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
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

/// Binds `options.addr`, calls `on_listening` with the address actually bound (port 0 picks a
/// free one), then serves until the process ends.
pub fn serve(
    options: ServeOptions,
    files: Vec<SiteFile>,
    on_listening: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let server = Server::http(options.addr)
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", options.addr))?;
    let bound = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| anyhow::anyhow!("the server is not on an IP address"))?;
    on_listening(bound);
    let shared = Arc::new((server, files, options.results_dir));
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || {
                let (server, files, dir) = &*shared;
                while let Ok(request) = server.recv() {
                    // A client that hangs up mid-answer is its own affair, not the server's.
                    let _ = handle(request, files, dir);
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    Ok(())
}

fn handle(mut request: Request, files: &[SiteFile], dir: &std::path::Path) -> std::io::Result<()> {
    let path = request.url().split('?').next().unwrap_or("").to_string();
    if path == RESULTS_PATH {
        if *request.method() != Method::Post {
            return request.respond(text(405, "POST a result here"));
        }
        let (status, message) = post_result(&mut request, dir);
        return request.respond(text(status, &message));
    }
    let name = match path.as_str() {
        "/" => "index.html",
        other => other.trim_start_matches('/'),
    };
    let Some(file) = files.iter().find(|f| f.name == name) else {
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

/// The status and message for one POST of a result.
fn post_result(request: &mut Request, dir: &std::path::Path) -> (u16, String) {
    let header_value = |name: &'static str| {
        request
            .headers()
            .iter()
            .find(|h| h.field.equiv(name))
            .map(|h| h.value.as_str().to_string())
    };
    // Another site's page in the same browser may post here; only our own page may.
    if let (Some(origin), Some(host)) = (header_value("Origin"), header_value("Host")) {
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
    match accept_result(&body, dir) {
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
