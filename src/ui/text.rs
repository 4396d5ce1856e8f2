//! Small formatting helpers shared by the views.

use crate::proto::Timestamp;

/// Seconds since `origin`, 3 decimals: `"12.345"`.
pub fn secs(ts: Timestamp, origin: Timestamp) -> String {
    format!("{:.3}", ts.secs_since(origin))
}

/// `"518 B"`, `"12.3 KB"`, `"4.0 MB"`.
pub fn bytes(n: u64) -> String {
    match n {
        0..1_000 => format!("{n} B"),
        1_000..1_000_000 => format!("{:.1} KB", n as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", n as f64 / 1e6),
        _ => format!("{:.1} GB", n as f64 / 1e9),
    }
}

/// `bytes` as text for a label: printable ASCII/UTF-8 kept, controls escaped, cut to `max`
/// characters with `…`.
pub fn quoted(bytes: &[u8], max: usize, cut: bool) -> String {
    let s = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    let mut n = 0;
    for ch in s.chars() {
        let piece: String = match ch {
            '\n' => "\\n".into(),
            '\r' => "\\r".into(),
            '\t' => "\\t".into(),
            c if c.is_control() => format!("\\x{:02x}", c as u32),
            c => c.to_string(),
        };
        n += piece.chars().count();
        if n > max {
            out.push('…');
            return format!("\"{out}\"");
        }
        out.push_str(&piece);
    }
    if cut {
        out.push('…');
    }
    format!("\"{out}\"")
}

/// Cuts `s` to `width` characters, ending with `…` when cut.
pub fn fit(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    if width > 0 {
        out.push('…');
    }
    out
}
