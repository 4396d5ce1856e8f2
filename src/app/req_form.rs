//! The request composer's form, and the bytes it stands for: built here, sent as built, so what
//! the composer shows is what goes on the wire.

use crate::session::HttpDetail;

/// How the composed request leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// A connection of its own, closed once the answer is in.
    New,
    /// The composer's own connection, kept open between sends.
    Kept,
    /// The bytes typed by hand, line by line, on a new connection.
    Raw,
}

impl How {
    pub fn next(self) -> How {
        match self {
            How::New => How::Kept,
            How::Kept => How::Raw,
            How::Raw => How::New,
        }
    }

    /// The catalog key of its name.
    pub fn key(self) -> &'static str {
        match self {
            How::New => "reqcomp.how_new",
            How::Kept => "reqcomp.how_kept",
            How::Raw => "reqcomp.how_raw",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub method: String,
    pub path: String,
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub minor: u8,
    /// In the order they go out.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Content-Length is added, computed from the body, unless the learner removed it or
    /// wrote one of their own.
    pub auto_length: bool,
    pub how: How,
    /// The raw mode's lines, escaped (`\r\n` shown): each line's bytes end with its `\n`.
    pub raw: Vec<String>,
}

impl Form {
    /// `GET /echo HTTP/1.1` to `host`, Host filled in.
    pub fn new(host: &str) -> Form {
        Form {
            method: "GET".into(),
            path: "/echo".into(),
            minor: 1,
            headers: vec![("Host".into(), host.into())],
            body: Vec::new(),
            auto_length: true,
            how: How::New,
            raw: Vec::new(),
        }
    }

    /// The learner's own Content-Length line, if any.
    fn own_length(&self) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-length"))
    }

    /// The Content-Length the form adds, when it adds one.
    pub fn auto_length(&self) -> Option<usize> {
        let wants = !self.body.is_empty()
            || matches!(
                self.method.to_ascii_uppercase().as_str(),
                "POST" | "PUT" | "PATCH"
            );
        (self.auto_length && wants && !self.own_length()).then_some(self.body.len())
    }

    /// The head and body as they go out.
    pub fn form_bytes(&self) -> Vec<u8> {
        let mut out = format!("{} {} HTTP/1.{}\r\n", self.method, self.path, self.minor);
        for (n, v) in &self.headers {
            out.push_str(&format!("{n}: {v}\r\n"));
        }
        if let Some(n) = self.auto_length() {
            out.push_str(&format!("Content-Length: {n}\r\n"));
        }
        out.push_str("\r\n");
        let mut out = out.into_bytes();
        out.extend_from_slice(&self.body);
        out
    }

    /// What a send writes: the form's bytes, or the raw lines unescaped.
    pub fn bytes(&self) -> Result<Vec<u8>, String> {
        match self.how {
            How::Raw => {
                let mut out = Vec::new();
                for (i, l) in self.raw.iter().enumerate() {
                    out.extend(
                        unescape(l).map_err(|e| {
                            crate::tr!("reqcomp.bad_escape", line = i + 1, what = e)
                        })?,
                    );
                }
                Ok(out)
            }
            _ => Ok(self.form_bytes()),
        }
    }

    /// Fills the raw lines from the form's bytes (switching to the raw mode).
    pub fn fill_raw(&mut self) {
        self.raw = lines(&self.form_bytes());
    }

    /// The form of a request decoded in the ladder: method, path, version, headers in order,
    /// body preview. A Content-Length the preview matches is left to be computed again; a
    /// chunked body (its preview is the decoded body) goes out with a Content-Length.
    pub fn from_request(h: &HttpDetail<'_>) -> Form {
        let head = h.head;
        let body = h.body_preview.to_vec();
        let mut auto_length = true;
        let mut headers = Vec::new();
        for (n, v) in &head.headers {
            if n.eq_ignore_ascii_case("content-length") && v.trim() == body.len().to_string() {
                continue;
            }
            if n.eq_ignore_ascii_case("transfer-encoding") {
                continue;
            }
            if n.eq_ignore_ascii_case("content-length") {
                auto_length = false;
            }
            headers.push((n.clone(), v.clone()));
        }
        Form {
            method: head.method.clone().unwrap_or_default(),
            path: head.target.clone().unwrap_or_default(),
            minor: head.version.min(1),
            headers,
            body,
            auto_length,
            how: How::New,
            raw: Vec::new(),
        }
    }
}

/// `bytes` as lines of escaped text, each ending after its `\n` (shown `\r\n`).
pub fn lines(bytes: &[u8]) -> Vec<String> {
    bytes.split_inclusive(|&b| b == b'\n').map(escape).collect()
}

/// Bytes as text a learner can read and type back: `\r` `\n` `\t` `\\` and `\xHH` for the rest
/// of the controls and bytes that are not UTF-8.
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\r' => out.push_str("\\r"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => {
                    let mut b = [0; 4];
                    for b in c.encode_utf8(&mut b).bytes() {
                        out.push_str(&format!("\\x{b:02x}"));
                    }
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// The bytes of escaped text; an unknown escape is an error naming it.
pub fn unescape(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            let mut b = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            continue;
        }
        match it.next() {
            Some('r') => out.push(b'\r'),
            Some('n') => out.push(b'\n'),
            Some('t') => out.push(b'\t'),
            Some('\\') => out.push(b'\\'),
            Some('x') => {
                let hex: String = it.by_ref().take(2).collect();
                match u8::from_str_radix(&hex, 16) {
                    Ok(b) if hex.len() == 2 => out.push(b),
                    _ => return Err(format!("\\x{hex}")),
                }
            }
            Some(o) => return Err(format!("\\{o}")),
            None => return Err("\\".into()),
        }
    }
    Ok(out)
}

#[cfg(test)]
#[path = "req_form_tests.rs"]
mod tests;
