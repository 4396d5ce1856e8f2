//! The whole-frame fast path against the general path: the same events for any frames (data,
//! control, fragments, RSV bits, wrong masks, 7/16/64-bit and non-minimal lengths, bad UTF-8,
//! damaged bytes), whole or cut anywhere, in both the full and the counting mode.

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
        prop_assert_eq!(&fast, &general);
        let mut at: Vec<usize> = points.iter().map(|p| p % (bytes.len() + 1)).collect();
        at.sort_unstable();
        let mut chunks: Vec<&[u8]> = Vec::new();
        let mut start = 0;
        for p in at.into_iter().chain([bytes.len()]) {
            chunks.push(&bytes[start..p]);
            start = p;
        }
        prop_assert_eq!(&events(true, from_client, deflate, lean, &chunks), &general);
    }
}
