//! The fixed part of a frame (RFC 6455 §5.2): a pure parse that uses nothing until the whole
//! header is present.

/// A frame header as written, before any protocol check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub fin: bool,
    pub rsv: u8,
    pub opcode: u8,
    pub mask_key: Option<[u8; 4]>,
    /// The 7-bit length field: 0-125, or 126 / 127 announcing a 16 / 64-bit length.
    pub len7: u8,
    pub payload_len: u64,
    pub header_len: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Parsed {
    Header(Header),
    /// Not enough bytes: the header needs `header_len` bytes (2 when not yet known), and the
    /// payload length is known once it is in the 7-bit field.
    Need {
        header_len: u8,
        payload_len: Option<u64>,
    },
}

impl Header {
    pub fn is_control(&self) -> bool {
        self.opcode & 0x8 != 0
    }

    /// Bytes of the extended length field.
    pub fn ext_len(&self) -> u8 {
        ext_len(self.len7)
    }

    /// RFC 6455 §5.2: "the minimal number of bytes MUST be used to encode the length".
    pub fn length_minimal(&self) -> bool {
        match self.len7 {
            126 => self.payload_len >= 126,
            127 => self.payload_len > 0xffff,
            _ => true,
        }
    }
}

fn ext_len(len7: u8) -> u8 {
    match len7 {
        126 => 2,
        127 => 8,
        _ => 0,
    }
}

pub(crate) fn parse(buf: &[u8]) -> Parsed {
    let (b0, b1) = match buf {
        [b0, b1, ..] => (*b0, *b1),
        _ => {
            return Parsed::Need {
                header_len: 2,
                payload_len: None,
            };
        }
    };
    let masked = b1 & 0x80 != 0;
    let len7 = b1 & 0x7f;
    let ext = ext_len(len7);
    let header_len = 2 + ext + if masked { 4 } else { 0 };
    let Some(head) = buf.get(..usize::from(header_len)) else {
        return Parsed::Need {
            header_len,
            payload_len: (ext == 0).then_some(u64::from(len7)),
        };
    };
    let ext_end = 2 + usize::from(ext);
    let payload_len = match head.get(2..ext_end) {
        Some(&[a, b]) => u64::from(u16::from_be_bytes([a, b])),
        Some(&[a, b, c, d, e, f, g, h]) => u64::from_be_bytes([a, b, c, d, e, f, g, h]),
        _ => u64::from(len7),
    };
    let mask_key = match head.get(ext_end..) {
        Some(&[a, b, c, d]) => Some([a, b, c, d]),
        _ => None,
    };
    Parsed::Header(Header {
        fin: b0 & 0x80 != 0,
        rsv: (b0 >> 4) & 0x7,
        opcode: b0 & 0xf,
        mask_key,
        len7,
        payload_len,
        header_len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_more_until_whole_header() {
        let full = [0x82, 0xfe, 0x01, 0x00, 1, 2, 3, 4];
        for cut in 0..full.len() {
            assert!(
                matches!(parse(&full[..cut]), Parsed::Need { .. }),
                "cut {cut}"
            );
        }
        let Parsed::Header(h) = parse(&full) else {
            panic!("complete header not parsed");
        };
        assert_eq!(h.payload_len, 256);
        assert_eq!(h.header_len, 8);
        assert_eq!(h.mask_key, Some([1, 2, 3, 4]));
        assert_eq!((h.fin, h.rsv, h.opcode), (true, 0, 2));
    }

    #[test]
    fn need_reports_known_lengths() {
        assert_eq!(
            parse(&[0x81]),
            Parsed::Need {
                header_len: 2,
                payload_len: None
            }
        );
        assert_eq!(
            parse(&[0x81, 0x85, 0x37]),
            Parsed::Need {
                header_len: 6,
                payload_len: Some(5)
            }
        );
        assert_eq!(
            parse(&[0x82, 0x7f, 0]),
            Parsed::Need {
                header_len: 10,
                payload_len: None
            }
        );
    }

    #[test]
    fn minimal_length_rule() {
        let h = |bytes: &[u8]| match parse(bytes) {
            Parsed::Header(h) => h,
            Parsed::Need { .. } => panic!("incomplete"),
        };
        assert!(!h(&[0x82, 126, 0, 125]).length_minimal());
        assert!(h(&[0x82, 126, 0, 126]).length_minimal());
        assert!(!h(&[0x82, 127, 0, 0, 0, 0, 0, 0, 0xff, 0xff]).length_minimal());
        assert!(h(&[0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]).length_minimal());
    }
}
