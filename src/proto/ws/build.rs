//! Frames built field by field, for the workbench and `duplex frame`: every field as the learner
//! sets it, including what RFC 6455 forbids (a reserved opcode, a length field that lies, no
//! mask from a client), so that the other side's verdict can be watched.

use super::mask::unmask_into;

/// How the payload length is written (RFC 6455 §5.2). Anything but `Auto` may announce a length
/// other than the payload's: the frame then lies, and the reader waits for bytes that never come
/// or reads the next frame's bytes as payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LenForm {
    /// The minimal form of the real payload length.
    Auto,
    /// The 7-bit field itself, 0..=125.
    Seven(u8),
    /// 126, then this 16-bit length.
    Sixteen(u16),
    /// 127, then this 64-bit length.
    SixtyFour(u64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameSpec {
    pub fin: bool,
    /// RSV1..RSV3 as the low three bits (RSV1 = 4).
    pub rsv: u8,
    /// 0..=15.
    pub opcode: u8,
    pub mask: Option<[u8; 4]>,
    pub len: LenForm,
    pub payload: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("opcode {0} is not a 4-bit value (0-15)")]
    Opcode(u8),
    #[error("rsv {0} is not a 3-bit value (0-7)")]
    Rsv(u8),
    #[error("a 7-bit length is 0-125 ({0} is written with 126 or 127)")]
    Seven(u8),
}

impl FrameSpec {
    /// A final, unmasked frame with the length written minimally.
    pub fn new(opcode: u8, payload: impl Into<Vec<u8>>) -> Self {
        FrameSpec {
            fin: true,
            rsv: 0,
            opcode,
            mask: None,
            len: LenForm::Auto,
            payload: payload.into(),
        }
    }

    /// As a client must send it: masked with a fresh random key.
    pub fn client(opcode: u8, payload: impl Into<Vec<u8>>) -> Self {
        FrameSpec {
            mask: Some(random_key()),
            ..FrameSpec::new(opcode, payload)
        }
    }

    pub fn check(&self) -> Result<(), SpecError> {
        if self.opcode > 15 {
            return Err(SpecError::Opcode(self.opcode));
        }
        if self.rsv > 7 {
            return Err(SpecError::Rsv(self.rsv));
        }
        if let LenForm::Seven(n) = self.len
            && n > 125
        {
            return Err(SpecError::Seven(n));
        }
        Ok(())
    }

    /// The length the header announces.
    pub fn announced_len(&self) -> u64 {
        match self.len {
            LenForm::Auto => self.payload.len() as u64,
            LenForm::Seven(n) => u64::from(n),
            LenForm::Sixteen(n) => u64::from(n),
            LenForm::SixtyFour(n) => n,
        }
    }

    /// The header announces a length other than the payload's.
    pub fn lies(&self) -> bool {
        self.announced_len() != self.payload.len() as u64
    }

    pub fn header_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(14);
        let b0 = (u8::from(self.fin) << 7) | ((self.rsv & 7) << 4) | (self.opcode & 0xf);
        let m = if self.mask.is_some() { 0x80 } else { 0 };
        out.push(b0);
        let form = match self.len {
            LenForm::Auto => match self.payload.len() {
                n @ 0..=125 => LenForm::Seven(n as u8),
                n if n <= 0xffff => LenForm::Sixteen(n as u16),
                n => LenForm::SixtyFour(n as u64),
            },
            other => other,
        };
        match form {
            LenForm::Seven(n) => out.push(m | (n & 0x7f)),
            LenForm::Sixteen(n) => {
                out.push(m | 126);
                out.extend_from_slice(&n.to_be_bytes());
            }
            LenForm::SixtyFour(n) => {
                out.push(m | 127);
                out.extend_from_slice(&n.to_be_bytes());
            }
            LenForm::Auto => unreachable!("resolved above"),
        }
        if let Some(key) = self.mask {
            out.extend_from_slice(&key);
        }
        out
    }

    /// The whole frame as it goes on the wire: header, then the payload masked when a key is set.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.header_bytes();
        let start = out.len();
        out.resize(start + self.payload.len(), 0);
        match self.mask {
            Some(key) => unmask_into(&self.payload, key, 0, &mut out[start..]),
            None => out[start..].copy_from_slice(&self.payload),
        }
        out
    }
}

/// Four bytes from the operating system's generator (RFC 6455 §5.3: unpredictable).
pub fn random_key() -> [u8; 4] {
    use std::sync::atomic::{AtomicU32, Ordering};
    static FALLBACK: AtomicU32 = AtomicU32::new(0x9e37_79b9);
    let mut key = [0u8; 4];
    if getrandom::fill(&mut key).is_err() {
        // No OS generator: still a fresh key each time, only a predictable one.
        let n = FALLBACK.fetch_add(0x9e37_79b9, Ordering::Relaxed);
        key = n.rotate_left(13).wrapping_mul(0x85eb_ca6b).to_be_bytes();
    }
    key
}

/// A close frame's payload: the code (if any) in network order, then the reason.
pub fn close_payload(code: Option<u16>, reason: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + reason.len());
    if let Some(c) = code {
        out.extend_from_slice(&c.to_be_bytes());
        out.extend_from_slice(reason);
    }
    out
}

/// One message as `n` frames (at least one): the first carries `opcode`, the rest are
/// continuations, the last has FIN. Pieces are as even as the payload allows; a payload
/// shorter than `n` leaves the last ones empty.
pub fn fragments(opcode: u8, payload: &[u8], n: usize, masked: bool) -> Vec<FrameSpec> {
    let n = n.max(1);
    let size = payload.len().div_ceil(n);
    (0..n)
        .map(|i| {
            let lo = (i * size).min(payload.len());
            let hi = ((i + 1) * size).min(payload.len());
            let op = if i == 0 { opcode } else { 0 };
            let mut f = if masked {
                FrameSpec::client(op, &payload[lo..hi])
            } else {
                FrameSpec::new(op, &payload[lo..hi])
            };
            f.fin = i + 1 == n;
            f
        })
        .collect()
}

/// Parses an opcode as a name (`text`, `binary`, `close`, `ping`, `pong`, `continuation` or
/// `cont`) or a number, decimal or `0x`-prefixed, 0..=15.
pub fn parse_opcode(s: &str) -> Option<u8> {
    let s = s.trim().to_ascii_lowercase();
    let named = match s.as_str() {
        "continuation" | "cont" => Some(0),
        "text" => Some(1),
        "binary" => Some(2),
        "close" => Some(8),
        "ping" => Some(9),
        "pong" => Some(10),
        _ => None,
    };
    let n = named.or_else(|| match s.strip_prefix("0x") {
        Some(h) => u8::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    })?;
    (n <= 15).then_some(n)
}

/// Hex digits in pairs, spaces, colons and an optional `0x` allowed between them.
pub fn parse_hex(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    let s = s.strip_prefix("0x").unwrap_or(s);
    let digits: Vec<u8> = s
        .bytes()
        .filter(|b| !matches!(b, b' ' | b':' | b'\t' | b'\n'))
        .collect();
    if !digits.len().is_multiple_of(2) || !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
        .collect()
}

/// The classic experiments, each one frame sequence a client sends and the close a server that
/// keeps RFC 6455 answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    Unmasked,
    Ping126,
    FragmentedPing,
    InvalidUtf8,
    ReservedOpcode,
    Close999,
    OrphanContinuation,
    Rsv1,
    PingBetweenFragments,
}

impl Preset {
    pub const ALL: [Preset; 9] = [
        Preset::Unmasked,
        Preset::Ping126,
        Preset::FragmentedPing,
        Preset::InvalidUtf8,
        Preset::ReservedOpcode,
        Preset::Close999,
        Preset::OrphanContinuation,
        Preset::Rsv1,
        Preset::PingBetweenFragments,
    ];

    /// The name on the command line.
    pub fn id(self) -> &'static str {
        match self {
            Preset::Unmasked => "unmasked",
            Preset::Ping126 => "ping-126",
            Preset::FragmentedPing => "fragmented-ping",
            Preset::InvalidUtf8 => "invalid-utf8",
            Preset::ReservedOpcode => "reserved-opcode",
            Preset::Close999 => "close-999",
            Preset::OrphanContinuation => "orphan-continuation",
            Preset::Rsv1 => "rsv1",
            Preset::PingBetweenFragments => "ping-between-fragments",
        }
    }

    pub fn from_id(id: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.id() == id)
    }

    /// The catalog key of its one-line description.
    pub fn key(self) -> &'static str {
        match self {
            Preset::Unmasked => "workbench.preset.unmasked",
            Preset::Ping126 => "workbench.preset.ping_126",
            Preset::FragmentedPing => "workbench.preset.fragmented_ping",
            Preset::InvalidUtf8 => "workbench.preset.invalid_utf8",
            Preset::ReservedOpcode => "workbench.preset.reserved_opcode",
            Preset::Close999 => "workbench.preset.close_999",
            Preset::OrphanContinuation => "workbench.preset.orphan_continuation",
            Preset::Rsv1 => "workbench.preset.rsv1",
            Preset::PingBetweenFragments => "workbench.preset.ping_between_fragments",
        }
    }

    /// The close code RFC 6455 makes the server answer with; `None` when the frames are valid.
    pub fn expected_close(self) -> Option<u16> {
        match self {
            Preset::InvalidUtf8 => Some(1007),
            Preset::PingBetweenFragments => None,
            _ => Some(1002),
        }
    }

    /// The frames, masked with fresh keys except where the point is that they are not.
    pub fn frames(self) -> Vec<FrameSpec> {
        match self {
            Preset::Unmasked => vec![FrameSpec::new(1, "unmasked")],
            Preset::Ping126 => vec![FrameSpec::client(9, vec![b'p'; 126])],
            Preset::FragmentedPing => fragments(9, b"ping", 2, true),
            // 0xC3 0x28: a two-byte lead followed by a byte that cannot continue it.
            Preset::InvalidUtf8 => vec![FrameSpec::client(1, vec![b'o', b'k', 0xc3, 0x28])],
            Preset::ReservedOpcode => vec![FrameSpec::client(3, "opcode 3")],
            Preset::Close999 => vec![FrameSpec::client(8, close_payload(Some(999), b""))],
            Preset::OrphanContinuation => vec![FrameSpec::client(0, "no start")],
            Preset::Rsv1 => {
                let mut f = FrameSpec::client(1, "rsv1");
                f.rsv = 4;
                vec![f]
            }
            Preset::PingBetweenFragments => {
                let mut v = fragments(1, b"hello world", 2, true);
                v.insert(1, FrameSpec::client(9, "between"));
                v
            }
        }
    }
}

#[cfg(test)]
#[path = "build_tests.rs"]
mod tests;
