//! The whole-frame fast path against the general path: the same events for any frames (data,
//! control, fragments, RSV bits, wrong masks, 7/16/64-bit and non-minimal lengths, bad UTF-8,
//! damaged bytes), whole or cut anywhere, in the full mode; the same counts and errors in the
//! counting mode, where the fast path counts the frames it takes instead of reporting them.

use super::*;
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Spec {
    b0: u8,
    mask: Option<[u8; 4]>,
    /// 0: minimal, 1: 16-bit, 2: 64-bit (non-minimal when it could be shorter).
    form: u8,
    payload: Vec<u8>,
}

fn payload() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => "[a-z ]{0,20}|(é|€|😀|x){0,40}".prop_map(String::into_bytes),
        2 => proptest::collection::vec(any::<u8>(), 0..200),
        1 => (126usize..9_000, any::<u8>()).prop_map(|(n, b)| vec![b & 0x7f; n]),
        1 => (65_536usize..70_000).prop_map(|n| vec![b'a'; n]),
        // A multi-byte sequence cut at the end of the text.
        1 => "[a-z]{0,5}".prop_map(|s| [s.as_bytes(), &[0xe2, 0x82]].concat()),
    ]
}

fn spec() -> impl Strategy<Value = Spec> {
    let b0 = prop_oneof![
        6 => Just(0x81u8),
        4 => Just(0x82u8),
        2 => any::<u8>(),
        1 => Just(0x01u8),
        1 => Just(0x80u8),
        1 => Just(0x88u8),
        1 => Just(0x89u8),
        1 => Just(0xc1u8),
    ];
    let form = prop_oneof![8 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)];
    (b0, any::<Option<[u8; 4]>>(), form, payload()).prop_map(|(b0, mask, form, payload)| Spec {
        b0,
        mask,
        form,
        payload,
    })
}

fn encode(s: &Spec, out: &mut Vec<u8>) {
    let n = s.payload.len();
    let m = if s.mask.is_some() { 0x80 } else { 0 };
    out.push(s.b0);
    match (s.form, n) {
        (0, 0..=125) => out.push(m | n as u8),
        (0 | 1, 0..=0xffff) => {
            out.push(m | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        _ => {
            out.push(m | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    match s.mask {
        Some(k) => {
            out.extend_from_slice(&k);
            out.extend(s.payload.iter().enumerate().map(|(i, b)| b ^ k[i % 4]));
        }
        None => out.extend_from_slice(&s.payload),
    }
}

fn run(mut d: WsDecoder, chunks: &[&[u8]]) -> Vec<WsEvent> {
    let (mut out, mut held) = (Vec::new(), Vec::new());
    for chunk in chunks {
        held.extend_from_slice(chunk);
        let used = d.decode(&held, &mut out);
        held.drain(..used);
    }
    d.finish(&mut out);
    out
}

/// What counting mode keeps of a decoder's events: what `--summary` counts, and every error in
/// order.
#[derive(Debug, Default, PartialEq)]
struct Counts {
    frames: std::collections::BTreeMap<u8, u64>,
    masked: u64,
    rsv1: u64,
    payload_bytes: u64,
    messages: u64,
    close_codes: Vec<u16>,
    errors: Vec<WsError>,
}

fn counts(events: &[WsEvent]) -> Counts {
    let mut c = Counts::default();
    for e in events {
        match e {
            WsEvent::Frame(f) => {
                *c.frames.entry(f.opcode).or_default() += 1;
                c.masked += u64::from(f.masked);
                c.rsv1 += u64::from(f.rsv & 4 != 0);
                c.payload_bytes += f.payload_len;
                c.close_codes.extend(f.close.as_ref().map(|x| x.code));
            }
            WsEvent::Message(_) => c.messages += 1,
            WsEvent::Error(e) => c.errors.push(e.clone()),
            WsEvent::Counted(w) => {
                for (op, n) in w.by_opcode() {
                    *c.frames.entry(op).or_default() += n;
                }
                c.masked += w.masked;
                c.payload_bytes += w.payload_bytes;
                c.messages += w.frames();
            }
        }
    }
    c
}

/// The full mode's events must be the same; the counting mode's, the same counts.
fn same(fast: &[WsEvent], general: &[WsEvent], lean: bool) -> Result<(), TestCaseError> {
    if lean {
        prop_assert!(!general.iter().any(|e| matches!(e, WsEvent::Counted(_))));
        prop_assert_eq!(counts(fast), counts(general));
    } else {
        prop_assert_eq!(fast, general);
    }
    Ok(())
}

fn events(
    fast: bool,
    from_client: bool,
    deflate: bool,
    lean: bool,
    chunks: &[&[u8]],
) -> Vec<WsEvent> {
    let deflate = deflate.then_some(DeflateParams {
        no_context_takeover: false,
        window_bits: 15,
    });
    let make = || {
        let d = WsDecoder::new(from_client, deflate, 7);
        if fast { d } else { d.general_only() }
    };
    let d = if lean {
        crate::proto::lean::scoped(make)
    } else {
        make()
    };
    run(d, chunks)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn whole_frames_give_the_general_paths_events(
        specs in proptest::collection::vec(spec(), 1..8),
        points in proptest::collection::vec(any::<usize>(), 0..6),
        damage in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..2),
        from_client in any::<bool>(),
        deflate in any::<bool>(),
        lean in any::<bool>(),
    ) {
        let mut bytes = Vec::new();
        for s in &specs {
            encode(s, &mut bytes);
        }
        for (at, b) in damage {
            let i = at % bytes.len();
            bytes[i] = b;
        }
        let general = events(false, from_client, deflate, lean, &[&bytes]);
        let fast = events(true, from_client, deflate, lean, &[&bytes]);
        same(&fast, &general, lean)?;
        let mut at: Vec<usize> = points.iter().map(|p| p % (bytes.len() + 1)).collect();
        at.sort_unstable();
        let mut chunks: Vec<&[u8]> = Vec::new();
        let mut start = 0;
        for p in at.into_iter().chain([bytes.len()]) {
            chunks.push(&bytes[start..p]);
            start = p;
        }
        same(&events(true, from_client, deflate, lean, &chunks), &general, lean)?;
    }
}

#[test]
fn counting_mode_counts_whole_frames_instead_of_reporting_them() {
    let masked = |b0: u8, payload: &[u8]| Spec {
        b0,
        mask: Some([1, 2, 3, 4]),
        form: 0,
        payload: payload.to_vec(),
    };
    let mut bytes = Vec::new();
    for s in [
        masked(0x81, b"hi"),
        masked(0x82, &[7; 300]),
        masked(0x89, b"ping"),
        masked(0x81, &[0xff]),
    ] {
        encode(&s, &mut bytes);
    }
    let ev = events(true, true, false, true, &[&bytes]);
    // The ping takes the general path; the bad text is counted and its error reported.
    assert_eq!(super::tests::shape(&ev), "FEC");
    let counted = WholeFrames {
        text: 2,
        binary: 1,
        masked: 3,
        payload_bytes: 303,
    };
    assert_eq!(ev.last(), Some(&WsEvent::Counted(counted)));
    let full = events(true, true, false, false, &[&bytes]);
    assert_eq!(super::tests::shape(&full), "FMFMFEFM");
}
