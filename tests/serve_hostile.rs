//! `flopcost serve` against hostile requests: none of them writes anything, each gets a 4xx,
//! and the server still answers afterwards. Raw HTTP over TCP to 127.0.0.1, no browser needed.

mod common;
#[path = "browser/server.rs"]
mod server;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::scratch;
use server::Served;

/// The server's address, "127.0.0.1:PORT".
fn host(served: &Served) -> String {
    served
        .url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}

/// Sends `head` (request line and headers, without the blank line) and `body`; returns the
/// status code, or 0 where the server closed the connection without one.
fn request(host: &str, head: &str, body: &[u8]) -> u16 {
    let head = format!("{head}\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    raw(host, head.as_bytes(), body)
}

/// Sends `head` exactly as given, then `body`; the status code as for [`request`].
fn raw(host: &str, head: &[u8], body: &[u8]) -> u16 {
    let mut stream = TcpStream::connect(host).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    // A server may answer and close before taking the whole of an oversized body.
    let _ = stream.write_all(head).and_then(|_| stream.write_all(body));
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response);
    text.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

fn post(host: &str, path: &str, content_type: &str, body: &[u8]) -> u16 {
    let head = format!(
        "POST {path} HTTP/1.1\r\nContent-Type: {content_type}\r\nContent-Length: {}",
        body.len()
    );
    request(host, &head, body)
}

#[test]
fn hostile_requests_write_nothing_and_the_server_keeps_answering() {
    let results = scratch("results");
    let served = Served::start(&results);
    let host = host(&served);
    let valid = std::fs::read("tests/fixtures/browser-result.json").unwrap();
    let json = "application/json";

    let oversized = vec![b'{'; 2 << 20];
    assert_eq!(post(&host, "/api/results", json, &oversized), 413);
    assert_eq!(
        post(&host, "/api/results", json, b"{\"schema_version\": 1"),
        400
    );
    assert_eq!(post(&host, "/api/results", json, b"[1, 2, 3]"), 400);
    assert_eq!(post(&host, "/api/results", "text/plain", &valid), 415);
    assert_eq!(
        post(
            &host,
            "/api/results",
            "application/x-www-form-urlencoded",
            &valid
        ),
        415
    );
    for path in [
        "/api/results/../../evil.json",
        "/../Cargo.toml",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/api/results/evil.json",
        "/results/browser-1.json",
    ] {
        assert_eq!(post(&host, path, json, &valid), 404, "{path}");
        let get = format!("GET {path} HTTP/1.1");
        assert_eq!(request(&host, &get, b""), 404, "{path}");
    }
    for method in ["PUT", "DELETE", "PATCH", "OPTIONS"] {
        let head = format!("{method} /api/results HTTP/1.1\r\nContent-Length: 0");
        assert_eq!(request(&host, &head, b""), 405, "{method}");
    }
    assert_eq!(request(&host, "GET /api/results HTTP/1.1", b""), 405);
    assert_eq!(
        request(&host, "POST / HTTP/1.1\r\nContent-Length: 0", b""),
        405
    );
    // Another site's page posting into the local server.
    let cross_site = format!(
        "POST /api/results HTTP/1.1\r\nOrigin: http://evil.example\r\nContent-Type: {json}\r\n\
         Content-Length: {}",
        valid.len()
    );
    assert_eq!(request(&host, &cross_site, &valid), 403);
    // Another name that resolves here (DNS rebinding) is not this server's page.
    let rebound = format!(
        "POST /api/results HTTP/1.1\r\nHost: evil.example:80\r\nOrigin: http://evil.example:80\r\n\
         Content-Type: {json}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        valid.len()
    );
    assert_eq!(raw(&host, rebound.as_bytes(), &valid), 403);
    // A result that claims to be native is not the page's to post.
    let native = String::from_utf8(valid.clone())
        .unwrap()
        .replace("\"browser-webgpu\"", "\"vulkan\"");
    assert_eq!(post(&host, "/api/results", json, native.as_bytes()), 400);

    // A flood, bounded in count: every request is answered.
    let floods: Vec<_> = (0..8)
        .map(|_| {
            let host = host.clone();
            std::thread::spawn(move || {
                (0..25)
                    .map(|i| match i % 3 {
                        0 => post(&host, "/api/results", "application/json", b"{bad"),
                        1 => post(&host, "/x/../../y", "application/json", b"{}"),
                        _ => request(&host, "GET /missing HTTP/1.1", b""),
                    })
                    .collect::<Vec<u16>>()
            })
        })
        .collect();
    for flood in floods {
        let codes = flood.join().unwrap();
        assert!(codes.iter().all(|c| (400..500).contains(c)), "{codes:?}");
    }

    assert_eq!(request(&host, "GET / HTTP/1.1", b""), 200);
    assert_eq!(std::fs::read_dir(&results).unwrap().count(), 0);
    // The same server still takes a real result, under a name of its own whatever the client
    // suggests.
    let named = format!(
        "POST /api/results HTTP/1.1\r\nContent-Type: {json}\r\nContent-Length: {}\r\n\
         Content-Disposition: attachment; filename=\"../evil.json\"\r\nX-Filename: ../evil.json",
        valid.len()
    );
    assert_eq!(request(&host, &named, &valid), 201);
    assert!(!results.join("../evil.json").exists());
    let saved: Vec<_> = std::fs::read_dir(&results)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(saved.len(), 1);
    assert!(saved[0].starts_with("browser-") && saved[0].ends_with(".json"));
}

#[test]
fn a_non_loopback_bind_is_announced_loudly() {
    // A documentation address (RFC 5737) no machine has: the warning comes first, then the bind
    // fails, so nothing listens beyond loopback.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_flopcost"))
        .args(["serve", "--bind", "192.0.2.1", "--port", "0", "--results"])
        .arg(scratch("bind"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("cannot listen on 192.0.2.1"), "{stderr}");
    assert!(
        stderr.contains("WARNING") && stderr.contains("anyone who can reach this port"),
        "{stderr}"
    );
}
