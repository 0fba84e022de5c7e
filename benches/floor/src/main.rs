//! The physical floor of a logout, for `npm run bench` (scripts/bench.js).
//!
//! Per iteration, timed: read the config file, find the `//host:port/:_authToken=` line
//! of the registry, send one `DELETE /-/user/token/<token>` over a fresh loopback TCP
//! connection (hand-written HTTP/1.1, response read up to its Content-Length), then the
//! durable atomic rewrite without that line: temp file, write, fsync, rename, fsync of
//! the directory. Untimed, before each iteration: the file is recreated from the
//! template, the same way the bench recreates it for every other contender.
//!
//! Usage: logout-floor --file PATH --template PATH --addr 127.0.0.1:PORT
//!                     [--iterations N] [--warmup W]
//! Prints one JSON line: {"n":…,"median_us":…,"p95_us":…,"samples_us":[…]}.
//! The token is never printed.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

struct Args {
    file: PathBuf,
    template: PathBuf,
    addr: String,
    iterations: usize,
    warmup: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut file = None;
    let mut template = None;
    let mut addr = None;
    let mut iterations = 50;
    let mut warmup = 3;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--file" => file = Some(PathBuf::from(value)),
            "--template" => template = Some(PathBuf::from(value)),
            "--addr" => addr = Some(value),
            "--iterations" => iterations = value.parse().map_err(|_| "bad --iterations")?,
            "--warmup" => warmup = value.parse().map_err(|_| "bad --warmup")?,
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(Args {
        file: file.ok_or("--file is required")?,
        template: template.ok_or("--template is required")?,
        addr: addr.ok_or("--addr is required")?,
        iterations,
        warmup,
    })
}

fn encode_uri_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The byte range of the token line (with its line break) and the token.
fn find_token(text: &str, key: &str) -> Option<(std::ops::Range<usize>, String)> {
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let end = start + line.len();
        let trimmed = line.trim_end_matches(['\r', '\n']);
        if let Some(value) = trimmed.strip_prefix(key) {
            return Some((start..end, value.trim().to_string()));
        }
        start = end;
    }
    None
}

/// One DELETE over a fresh connection; returns the HTTP status.
fn delete(addr: &str, token: &str) -> std::io::Result<u16> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_nodelay(true)?;
    let request = format!(
        "DELETE /-/user/token/{} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         npm-command: logout\r\nUser-Agent: logout-floor\r\nConnection: close\r\n\r\n",
        encode_uri_component(token)
    );
    stream.write_all(request.as_bytes())?;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(head_end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok());
            if length.is_none_or(|len| buf.len() >= head_end + 4 + len) {
                break;
            }
        }
    }
    let status_line = buf.split(|&b| b == b'\n').next().unwrap_or_default();
    let status = String::from_utf8_lossy(status_line)
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok(status)
}

fn write_durably(target: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = target.parent().unwrap_or(Path::new("."));
    let temp = dir.join(".npmrc.floor.tmp");
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temp)?;
    file.write_all(contents)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&temp, target)?;
    File::open(dir)?.sync_all()
}

fn one_logout(file: &Path, key: &str, addr: &str) -> Result<(), String> {
    let text = fs::read_to_string(file).map_err(|e| format!("read: {e}"))?;
    let (span, token) = find_token(&text, key).ok_or("no token line in the file")?;
    let status = delete(addr, &token).map_err(|e| format!("DELETE: {e}"))?;
    if !(200..300).contains(&status) {
        return Err(format!("registry answered {status}"));
    }
    let mut out = Vec::with_capacity(text.len());
    out.extend_from_slice(&text.as_bytes()[..span.start]);
    out.extend_from_slice(&text.as_bytes()[span.end..]);
    write_durably(file, &out).map_err(|e| format!("write: {e}"))
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("logout-floor: {e}");
            return ExitCode::from(2);
        }
    };
    let template = match fs::read(&args.template) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("logout-floor: cannot read the template: {e}");
            return ExitCode::from(2);
        }
    };
    let key = format!("//{}/:_authToken=", args.addr);
    let mut samples: Vec<u64> = Vec::with_capacity(args.iterations);
    for i in 0..args.warmup + args.iterations {
        if let Err(e) = fs::write(&args.file, &template) {
            eprintln!("logout-floor: cannot recreate the fixture: {e}");
            return ExitCode::from(1);
        }
        let start = Instant::now();
        if let Err(e) = one_logout(&args.file, &key, &args.addr) {
            eprintln!("logout-floor: {e}");
            return ExitCode::from(1);
        }
        let elapsed = start.elapsed().as_micros() as u64;
        if i >= args.warmup {
            samples.push(elapsed);
        }
    }
    let list: Vec<String> = samples.iter().map(u64::to_string).collect();
    samples.sort_unstable();
    println!(
        "{{\"n\":{},\"median_us\":{},\"p95_us\":{},\"samples_us\":[{}]}}",
        samples.len(),
        percentile(&samples, 50.0),
        percentile(&samples, 95.0),
        list.join(",")
    );
    ExitCode::SUCCESS
}
