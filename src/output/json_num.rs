//! Numbers on a `--json` line, written as serde_json writes them: integers, and `t`, the
//! seconds since the capture's origin.

use crate::proto::Timestamp;

/// Most numbers on a line (a connection, an opcode, a header's length) have one or two digits:
/// those are pushed, not formatted and copied.
#[inline]
pub(super) fn int(buf: &mut Vec<u8>, n: impl Into<u64>) {
    let n: u64 = n.into();
    if n < 10 {
        buf.push(b'0' + n as u8);
    } else if n < 100 {
        buf.extend_from_slice(&[b'0' + (n / 10) as u8, b'0' + (n % 10) as u8]);
    } else {
        buf.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
    }
}

thread_local! {
    /// The last `t` written: (time, origin, length, bytes). A packet's events share its time.
    static LAST_T: std::cell::Cell<(u64, u64, u8, [u8; 24])> =
        const { std::cell::Cell::new((0, 0, 0, [0; 24])) };
}

/// `t`: seconds since the origin rounded to the microsecond, as serde_json writes it.
pub(super) fn seconds(buf: &mut Vec<u8>, ts: Timestamp, origin: Timestamp) {
    let (t, o, len, bytes) = LAST_T.get();
    if len > 0 && t == ts.0 && o == origin.0 {
        return buf.extend_from_slice(&bytes[..usize::from(len)]);
    }
    let at = buf.len();
    write_seconds(buf, ts, origin);
    let written = &buf[at..];
    if (1..=24).contains(&written.len()) {
        let mut room = [0u8; 24];
        room[..written.len()].copy_from_slice(written);
        LAST_T.set((ts.0, origin.0, written.len() as u8, room));
    }
}

fn write_seconds(buf: &mut Vec<u8>, ts: Timestamp, origin: Timestamp) {
    let micros = (ts.secs_since(origin) * 1e6).round();
    // Between 1e-5 s and 2^33 s a double's spacing is under a microsecond, so the shortest
    // decimal that reads back as `micros / 1e6` is the count of microseconds itself, and zmij
    // writes it in fixed notation.
    if (10.0..MICROS_EXACT).contains(&micros) {
        let n = micros as u64;
        int(buf, n / 1_000_000);
        let mut frac = n % 1_000_000;
        if frac == 0 {
            buf.extend_from_slice(b".0");
        } else {
            // Six places, less the trailing zeros.
            let mut places = 6;
            while frac % 10 == 0 {
                frac /= 10;
                places -= 1;
            }
            let mut digits = *b".000000";
            for d in digits[1..=places].iter_mut().rev() {
                *d = b'0' + (frac % 10) as u8;
                frac /= 10;
            }
            buf.extend_from_slice(&digits[..=places]);
        }
    } else {
        float(buf, micros / 1e6);
    }
}

/// 2^33 seconds in microseconds.
const MICROS_EXACT: f64 = (1u64 << 33) as f64 * 1e6;

/// As serde_json's `serialize_f64`: `null` for NaN and infinities.
pub(super) fn float(buf: &mut Vec<u8>, x: f64) {
    if x.is_finite() {
        buf.extend_from_slice(zmij::Buffer::new().format_finite(x).as_bytes());
    } else {
        buf.extend_from_slice(b"null");
    }
}
