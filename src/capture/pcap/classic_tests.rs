//! The mapped loop against the stream reader: the same packets, numbers and errors (at the
//! same offsets) on whole, cut and corrupt files, in every classic variant, from the start
//! or after packets read one at a time.

use super::super::tests::{Owned, legacy_header, legacy_record};
use super::super::{CaptureError, CaptureReader, Feed, MAX_RECORD, MODIFIED_MAGIC};
use crate::capture::mapped::Mapped;

/// Packets and errors through `next_packet` (`first` of them) then `for_each`.
fn mapped(bytes: &[u8], first: usize) -> (Vec<Owned>, Vec<String>) {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut f, bytes).unwrap();
    let map = Mapped::map_from(f.as_file(), 1).unwrap();
    let mut r = CaptureReader::with_feed(std::io::empty(), Some(Feed::Mapped(map))).unwrap();
    let (mut packets, mut errors) = (Vec::new(), Vec::new());
    let mut keep = |p: Result<&super::Packet<'_>, CaptureError>| match p {
        Ok(p) => packets.push((p.number, p.ts.0, p.linktype, p.data.to_vec(), p.orig_len)),
        Err(e) => errors.push(e.to_string()),
    };
    for _ in 0..first {
        match r.next_packet() {
            Ok(Some(p)) => keep(Ok(&p)),
            Ok(None) => break,
            Err(e) => keep(Err(e)),
        }
    }
    r.for_each(&mut keep);
    assert!(
        r.next_packet().unwrap().is_none(),
        "for_each reads to the end"
    );
    (packets, errors)
}

/// The same bytes read as a stream, one packet at a time.
fn streamed(bytes: &[u8]) -> (Vec<Owned>, Vec<String>) {
    let (packets, errors) = super::super::tests::read_all(CaptureReader::new(bytes).unwrap());
    (packets, errors.iter().map(|e| e.to_string()).collect())
}

/// A file of `n` records of growing sizes in the given variant.
fn file(nanos: bool, be: bool, modified: bool, n: u32) -> Vec<u8> {
    let mut f = legacy_header(nanos, be);
    if modified {
        f[..4].copy_from_slice(&MODIFIED_MAGIC);
    }
    for i in 0..n {
        let data: Vec<u8> = (0..(i * 7) % 300).map(|b| b as u8).collect();
        f.extend(legacy_record(
            be,
            1000 + i,
            i * 13,
            &data,
            data.len() as u32 + i % 3,
        ));
        if modified {
            // The modified format's record header carries 8 more bytes (ifindex, protocol...).
            let at = f.len() - data.len();
            f.splice(at..at, [0u8; 8]);
        }
    }
    f
}

#[test]
fn the_mapped_loop_reads_what_the_stream_reader_reads() {
    for (nanos, be, modified) in [
        (false, false, false),
        (true, true, false),
        (false, true, false),
        (false, false, true),
    ] {
        let whole = file(nanos, be, modified, 400);
        let header = if modified { 24 } else { 16 };
        // A record's length claiming too much, near the middle.
        let mut corrupt = whole.clone();
        let at = 24
            + (0..200)
                .map(|i| header + ((i * 7) % 300) as usize)
                .sum::<usize>();
        let len = MAX_RECORD as u32 + 1;
        corrupt[at + 8..at + 12].copy_from_slice(&if be {
            len.to_be_bytes()
        } else {
            len.to_le_bytes()
        });
        let mut cases = vec![("corrupt", corrupt)];
        for cut in [
            whole.len() - 1,
            whole.len() - 150,
            whole.len() - 300,
            24 + 3,
        ] {
            cases.push(("cut", whole[..cut].to_vec()));
        }
        cases.push(("whole", whole));
        for (what, bytes) in &cases {
            let want = streamed(bytes);
            assert!(!want.0.is_empty() || bytes.len() < 100, "{what}: no packet");
            for first in [0, 1, 57] {
                let got = mapped(bytes, first);
                let case = format!(
                    "{what} ({} bytes; nanos {nanos}, big-endian {be}, modified {modified}), \
                     {first} read one at a time first",
                    bytes.len()
                );
                assert_eq!(got.1, want.1, "{case}: errors");
                assert_eq!(got.0.len(), want.0.len(), "{case}: packets");
                if let Some((g, w)) = got.0.iter().zip(&want.0).find(|(g, w)| g != w) {
                    panic!("{case}: packet {} differs: {g:?} against {w:?}", w.0);
                }
            }
        }
    }
}

#[test]
fn damaged_record_headers_read_alike_mapped_or_streamed() {
    let whole = file(false, false, false, 12);
    // The file header, the first records' headers and bytes.
    for at in 0..300.min(whole.len()) {
        for value in [0x00, 0xff, 0x7f] {
            let mut damaged = whole.clone();
            damaged[at] = value;
            if CaptureReader::new(&damaged[..]).is_err() {
                continue;
            }
            assert_eq!(
                mapped(&damaged, 0),
                streamed(&damaged),
                "byte {at} set to {value:#x}"
            );
        }
    }
}
