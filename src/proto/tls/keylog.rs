//! The NSS key log format (SSLKEYLOGFILE): one secret a line, `LABEL <client_random> <secret>`
//! in hex, as browsers, curl, OpenSSL, Python and rustls write it and Wireshark reads it.
//! Sans-IO: text in, secrets out; the caller reads the file.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// One key log shared by whoever learns secrets (a file, a capture's Decryption Secrets Block,
/// rustls live) and the connections that decrypt with them.
pub type SharedKeys = Arc<RwLock<KeyLog>>;

/// The labels a key log line may carry (TLS 1.2's master secret, TLS 1.3's traffic secrets).
pub const LABELS: &[&str] = &[
    "CLIENT_RANDOM",
    "CLIENT_EARLY_TRAFFIC_SECRET",
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
    "SERVER_HANDSHAKE_TRAFFIC_SECRET",
    "CLIENT_TRAFFIC_SECRET_0",
    "SERVER_TRAFFIC_SECRET_0",
    "EARLY_EXPORTER_SECRET",
    "EXPORTER_SECRET",
];

/// Secrets by client_random and label, in the order first learnt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyLog {
    /// (label, client_random, secret).
    lines: Vec<(&'static str, Vec<u8>, Vec<u8>)>,
    index: HashMap<(&'static str, Vec<u8>), usize>,
}

impl KeyLog {
    pub fn new() -> Self {
        KeyLog::default()
    }

    /// Reads a whole key log; lines it cannot use are listed as `"line N: what"`.
    pub fn parse(text: &str) -> (KeyLog, Vec<String>) {
        let mut keys = KeyLog::new();
        let mut problems = Vec::new();
        for (n, line) in text.lines().enumerate() {
            if let Err(what) = keys.add_line(line) {
                problems.push(format!("line {}: {what}", n + 1));
            }
        }
        (keys, problems)
    }

    /// Adds one line; blank lines and `#` comments are fine and add nothing.
    pub fn add_line(&mut self, line: &str) -> Result<(), String> {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return Ok(());
        }
        let mut words = line.split_ascii_whitespace();
        let (Some(label), Some(random), Some(secret), None) =
            (words.next(), words.next(), words.next(), words.next())
        else {
            return Err("not `LABEL <client_random hex> <secret hex>`".into());
        };
        let Some(label) = LABELS.iter().find(|l| **l == label) else {
            let shown: String = label.chars().take(40).collect();
            return Err(format!("unknown label `{shown}`"));
        };
        let random = unhex(random).ok_or("the client_random is not hex")?;
        if random.len() != 32 {
            return Err(format!(
                "a client_random of {} bytes (32 expected)",
                random.len()
            ));
        }
        let secret = unhex(secret).ok_or("the secret is not hex")?;
        if secret.is_empty() || secret.len() > 64 {
            return Err(format!(
                "a secret of {} bytes (1 to 64 expected)",
                secret.len()
            ));
        }
        self.insert(label, &random, &secret);
        Ok(())
    }

    /// Learns one secret (a newer one replaces an older); a label not in `LABELS` is ignored
    /// (a newer TLS may log labels this one has no use for).
    pub fn insert(&mut self, label: &str, client_random: &[u8], secret: &[u8]) {
        let Some(label) = LABELS.iter().copied().find(|l| *l == label) else {
            return;
        };
        let key = (label, client_random.to_vec());
        match self.index.get(&key) {
            Some(&i) => self.lines[i].2 = secret.to_vec(),
            None => {
                self.index.insert(key, self.lines.len());
                self.lines
                    .push((label, client_random.to_vec(), secret.to_vec()));
            }
        }
    }

    /// Adds every secret of `other`.
    pub fn extend(&mut self, other: &KeyLog) {
        for (label, random, secret) in &other.lines {
            self.insert(label, random, secret);
        }
    }

    /// The secret under `label` for the connection that sent `client_random`.
    pub fn get(&self, label: &str, client_random: &[u8]) -> Option<&[u8]> {
        let label = LABELS.iter().copied().find(|l| *l == label)?;
        let i = *self.index.get(&(label, client_random.to_vec()))?;
        Some(&self.lines[i].2)
    }

    /// Secrets known.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The secrets as SSLKEYLOGFILE lines, each ending in `\n`, in the order learnt.
    pub fn to_nss(&self) -> String {
        let mut out = String::new();
        for (label, random, secret) in &self.lines {
            out.push_str(label);
            out.push(' ');
            out.push_str(&hex(random));
            out.push(' ');
            out.push_str(&hex(secret));
            out.push('\n');
        }
        out
    }
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Bytes of a hex string (either case), or None.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    text.as_bytes()
        .chunks_exact(2)
        .map(|p| Some(digit(p[0])? << 4 | digit(p[1])?))
        .collect()
}

#[cfg(test)]
#[path = "keylog_tests.rs"]
mod tests;
