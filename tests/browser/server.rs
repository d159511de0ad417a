//! `flopcost serve` on a free port of 127.0.0.1, stopped when dropped.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};

pub struct Served {
    child: Child,
    /// "http://127.0.0.1:PORT/"
    pub url: String,
}

impl Served {
    /// Starts the server saving into `results`; it prints its address first thing.
    pub fn start(results: &Path) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_flopcost"))
            .args(["serve", "--port", "0", "--results"])
            .arg(results)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("flopcost serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.trim().to_string();
        assert!(
            url.starts_with("http://127.0.0.1:"),
            "serve printed '{url}', not its address"
        );
        Served { child, url }
    }
}

impl Served {
    /// POSTs `body` as JSON to `/api/results`, as the page does; returns the status and the
    /// answer's text (the saved file's name on success).
    #[allow(dead_code)] // not every test that serves the page posts to it
    pub fn post_result(&self, body: &[u8]) -> (u16, String) {
        let host = self.url.trim_start_matches("http://").trim_end_matches('/');
        let mut stream = TcpStream::connect(host).unwrap();
        let head = format!(
            "POST /api/results HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let status = response
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or(0);
        let text = response.split("\r\n\r\n").nth(1).unwrap_or("").trim();
        (status, text.to_string())
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `flopcost web --out DIR/site`; the site's folder.
#[allow(dead_code)] // serve_hostile.rs serves no static site
pub fn static_site(dir: &Path) -> std::path::PathBuf {
    let site = dir.join("site");
    let status = Command::new(env!("CARGO_BIN_EXE_flopcost"))
        .args(["web", "--quiet", "--out"])
        .arg(&site)
        .status()
        .unwrap();
    assert!(status.success());
    site
}
