//! Headless Chromium driven through the DevTools protocol: open a page, evaluate script in it,
//! wait for a condition, take a screenshot. All traffic stays on 127.0.0.1.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::WebSocket;

/// Chromium on PATH (Debian names it `chromium`), or where FLOPCOST_CHROMIUM points.
pub fn find_chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("FLOPCOST_CHROMIUM") {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// WebGPU on SwiftShader, Chromium's CPU implementation: no GPU needed.
pub const SWIFTSHADER_WEBGPU: &[&str] = &[
    "--enable-unsafe-webgpu",
    "--use-webgpu-adapter=swiftshader",
    "--enable-unsafe-swiftshader",
];

pub struct Browser {
    child: Child,
    socket: WebSocket<TcpStream>,
    next_id: u64,
}

impl Browser {
    /// Starts headless Chromium with `flags` and a fresh profile in `profile`.
    pub fn launch(binary: &Path, flags: &[&str], profile: &Path) -> Browser {
        std::fs::create_dir_all(profile).unwrap();
        let child = Command::new(binary)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--no-first-run",
                // Containers often give /dev/shm only 64 MB, too little for Chromium.
                "--disable-dev-shm-usage",
                "--remote-debugging-port=0",
                "--window-size=1000,1400",
                // A headless page counts as hidden: Chromium then throttles its timers and
                // defers the tasks that settle WebGPU's promises, so a long run crawls or sits
                // idle. Keep the page at full speed, as Puppeteer's defaults do.
                "--disable-background-timer-throttling",
                "--disable-backgrounding-occluded-windows",
                "--disable-renderer-backgrounding",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(flags)
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromium starts");
        // Chromium writes the port it chose into the profile once it listens.
        let port_file = profile.join("DevToolsActivePort");
        let deadline = Instant::now() + Duration::from_secs(60);
        let port: u16 = loop {
            if let Some(port) = std::fs::read_to_string(&port_file)
                .ok()
                .and_then(|t| t.lines().next().and_then(|l| l.trim().parse().ok()))
            {
                break port;
            }
            assert!(Instant::now() < deadline, "chromium never opened DevTools");
            std::thread::sleep(Duration::from_millis(100));
        };
        let url = page_socket_url(port, deadline);
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(120)))
            .unwrap();
        let (socket, _) = tungstenite::client(url.as_str(), stream).expect("DevTools socket");
        let mut browser = Browser {
            child,
            socket,
            next_id: 0,
        };
        browser.call("Page.enable", json!({}));
        browser
    }

    /// Sends one command and returns its result, skipping the events in between.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let message = json!({"id": id, "method": method, "params": params});
        self.socket
            .send(tungstenite::Message::text(message.to_string()))
            .unwrap();
        loop {
            let reply = self.socket.read().expect("DevTools reply");
            let Ok(text) = reply.to_text() else { continue };
            let value: Value = serde_json::from_str(text).unwrap();
            if value["id"] == id {
                assert!(value["error"].is_null(), "{method}: {}", value["error"]);
                return value["result"].clone();
            }
        }
    }

    pub fn navigate(&mut self, url: &str) {
        self.call("Page.navigate", json!({"url": url}));
    }

    /// The value of `expression` in the page (promises awaited).
    pub fn eval(&mut self, expression: &str) -> Value {
        let result = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
        );
        result["result"]["value"].clone()
    }

    /// Polls `expression` until it gives a non-empty string, which is returned.
    // Shared by the test binaries: browser_train uses `try_wait_for` only.
    #[allow(dead_code)]
    pub fn wait_for(&mut self, expression: &str, timeout: Duration) -> String {
        self.try_wait_for(expression, timeout).unwrap_or_else(|| {
            panic!(
                "page never satisfied `{expression}` within {timeout:?}; it shows: {}",
                self.eval("document.body.innerText")
            )
        })
    }

    /// [`Browser::wait_for`], or `None` at the timeout, so the caller can say more.
    pub fn try_wait_for(&mut self, expression: &str, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(text) = self.eval(expression).as_str().filter(|t| !t.is_empty()) {
                return Some(text.to_string());
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// The whole page as a PNG, at three quarters of its size to keep the file small.
    pub fn screenshot(&mut self, path: &Path) {
        let metrics = self.call("Page.getLayoutMetrics", json!({}));
        let size = &metrics["cssContentSize"];
        let clip = json!({"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 0.75});
        let shot = self.call(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true, "clip": clip}),
        );
        let png = base64_decode(shot["data"].as_str().unwrap());
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        std::fs::write(path, png).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The DevTools socket of the browser's first page, asked for until the browser answers.
fn page_socket_url(port: u16, deadline: Instant) -> String {
    loop {
        let targets = http_get(port, "/json/list").and_then(|b| serde_json::from_str(&b).ok());
        let page = targets.as_ref().and_then(|t: &Value| {
            t.as_array()?.iter().find(|t| t["type"] == "page")?["webSocketDebuggerUrl"]
                .as_str()
                .map(str::to_string)
        });
        if let Some(url) = page {
            return url;
        }
        assert!(Instant::now() < deadline, "chromium listed no page");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The body of a GET, read to its Content-Length (the browser may keep the connection open).
fn http_get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
    )
    .ok()?;
    let mut response = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        response.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&response);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().to_string())
                })?
                .parse()
                .ok()?;
            if body.len() >= length {
                return Some(body[..length].to_string());
            }
        }
    }
}

/// Standard base64 (RFC 4648) as DevTools sends screenshots.
fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut bits, mut count) = (0u32, 0);
    for byte in text
        .bytes()
        .filter(|b| *b != b'=' && !b.is_ascii_whitespace())
    {
        let value = ALPHABET.iter().position(|&a| a == byte).expect("base64") as u32;
        bits = (bits << 6) | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    out
}

#[test]
fn base64_decodes_padding() {
    assert_eq!(base64_decode("aGk="), b"hi");
    assert_eq!(base64_decode("aGV5"), b"hey");
}
