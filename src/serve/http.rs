//! The little of HTTP/1.1 `flopcost serve` speaks, written out: one request per connection,
//! read with bounded sizes and a timeout, answered with a `Content-Length` and
//! `Connection: close`.
//!
//! Why not a server crate: with tiny_http 0.12 the page sometimes waited minutes for one of
//! its scripts. Its connection pool can queue a new connection while every one of its threads
//! sits on a browser's idle keep-alive connection, and the queued one waits until the browser
//! drops an idle socket. Closing every connection after its answer leaves no idle socket to
//! hold a thread, and a thread per connection leaves nothing queued.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

/// The request line and headers together; a longer head is refused (431).
const MAX_HEAD_BYTES: u64 = 16 * 1024;

/// How long a client may take to send its request, and to read the answer.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

pub struct HttpRequest {
    pub method: String,
    /// The request target as sent, query included.
    pub target: String,
    headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// The first header called `name`, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The target's path, without its query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A plain-text answer: a status with a one-line message.
    pub fn text(status: u16, message: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![
                ("Content-Type", "text/plain; charset=utf-8".into()),
                ("X-Content-Type-Options", "nosniff".into()),
            ],
            body: format!("{message}\n").into_bytes(),
        }
    }
}

/// Reads one request from `stream`. A POST's body is read when its `Content-Length` is at most
/// `max_body`; any other body is refused. The error is the answer to give.
pub fn read_request(stream: &TcpStream, max_body: usize) -> Result<HttpRequest, HttpResponse> {
    let mut reader = BufReader::new(stream.take(MAX_HEAD_BYTES));
    let mut line = String::new();
    let request_line = next_line(&mut reader, &mut line)?;
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(HttpResponse::text(400, "not an HTTP request line"));
    };
    if !version.starts_with("HTTP/1.") || method.is_empty() || !target.starts_with('/') {
        return Err(HttpResponse::text(400, "not an HTTP/1 request"));
    }
    let (method, target) = (method.to_string(), target.to_string());
    let mut headers = Vec::new();
    loop {
        let header = next_line(&mut reader, &mut line)?;
        if header.is_empty() {
            break;
        }
        let Some((name, value)) = header.split_once(':') else {
            return Err(HttpResponse::text(400, "a header without a colon"));
        };
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let mut request = HttpRequest {
        method,
        target,
        headers,
        body: Vec::new(),
    };
    if request.header("Transfer-Encoding").is_some() {
        return Err(HttpResponse::text(411, "give the body's Content-Length"));
    }
    let length = match request.header("Content-Length") {
        None => 0,
        Some(text) => text
            .parse::<usize>()
            .map_err(|_| HttpResponse::text(400, "Content-Length is not a number"))?,
    };
    if length > 0 && request.method != "POST" {
        return Err(HttpResponse::text(405, "only a POST carries a body here"));
    }
    if length > max_body {
        return Err(HttpResponse::text(
            413,
            &format!("body over {max_body} bytes"),
        ));
    }
    // What the buffer already holds of the body comes first, then the rest from the socket.
    let mut body = Vec::with_capacity(length);
    let (buffered, stream) = (reader.buffer().to_vec(), reader.into_inner().into_inner());
    body.extend_from_slice(&buffered[..buffered.len().min(length)]);
    let rest = length - body.len();
    stream
        .take(rest as u64)
        .read_to_end(&mut body)
        .map_err(|e| HttpResponse::text(400, &format!("reading the body: {e}")))?;
    if body.len() != length {
        return Err(HttpResponse::text(400, "the body ended before its length"));
    }
    request.body = body;
    Ok(request)
}

/// One CRLF- (or LF-) terminated line, as text; a head too long, cut short or not UTF-8 is
/// the error to answer.
fn next_line<'a>(reader: &mut impl BufRead, line: &'a mut String) -> Result<&'a str, HttpResponse> {
    line.clear();
    match reader.read_line(line) {
        Ok(0) => Err(HttpResponse::text(400, "the request ended early")),
        Ok(_) if !line.ends_with('\n') => Err(HttpResponse::text(
            431,
            &format!("request head over {MAX_HEAD_BYTES} bytes"),
        )),
        Ok(_) => Ok(line.trim_end_matches(['\r', '\n'])),
        Err(e) => Err(HttpResponse::text(
            400,
            &format!("reading the request: {e}"),
        )),
    }
}

/// Writes `response` and closes the connection. What the client still sends (an oversized
/// body the answer refused) is read and dropped first: closing on unread data would reset the
/// connection and could lose the answer before the client reads it.
pub fn respond(mut stream: &TcpStream, response: &HttpResponse) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        response.body.len()
    ));
    stream.write_all(head.as_bytes())?;
    stream.write_all(&response.body)?;
    stream.flush()?;
    stream.shutdown(Shutdown::Write)?;
    let _ = std::io::copy(&mut stream.take(4 << 20), &mut std::io::sink());
    Ok(())
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}
