//! `flopcost serve` on a free port of 127.0.0.1, stopped when dropped.

use std::io::{BufRead, BufReader};
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

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
