//! The capture reader on real, synthetic and broken files.

use super::*;
use pcap_parser::{BOM_MAGIC, EPB_MAGIC, IDB_MAGIC, SHB_MAGIC, SPB_MAGIC};
use std::fs::File;
use std::path::Path;

const CAPTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/captures");

fn open(name: &str) -> CaptureReader<File> {
    CaptureReader::new(File::open(Path::new(CAPTURES).join(name)).unwrap()).unwrap()
}

/// Every packet as (number, ts, linktype, data, orig_len), then the error that ended it.
pub(super) type Owned = (u64, u64, i32, Vec<u8>, u32);
pub(super) fn read_all<R: Read>(mut r: CaptureReader<R>) -> (Vec<Owned>, Vec<CaptureError>) {
    let (mut packets, mut errors) = (Vec::new(), Vec::new());
    loop {
        match r.next_packet() {
            Ok(Some(p)) => {
                packets.push((p.number, p.ts.0, p.linktype, p.data.to_vec(), p.orig_len))
            }
            Ok(None) => break,
            Err(e) => errors.push(e),
        }
        assert!(errors.len() < 100, "reader does not stop");
    }
    (packets, errors)
}

fn summary_packets(name: &str) -> u64 {
    let path = format!(
        "{}/tests/oracle/{name}.summary.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let v: serde_json::Value = serde_json::from_reader(File::open(path).unwrap()).unwrap();
    v["packets"].as_u64().unwrap()
}

#[test]
fn real_captures_have_the_oracle_packet_counts() {
    for name in [
        "autobahn-1-4.pcap",
        "http10-curl-10req.pcap",
        "http11-keepalive-curl-10req.pcap",
        "ws-basic.pcap",
        "ws-basic.pcapng",
        "ws-websocat-nano.pcap",
        "ws-websocat-server.pcapng",
        "header-only.pcap",
    ] {
        let (packets, errors) = read_all(open(name));
        assert!(errors.is_empty(), "{name}: {errors:?}");
        assert_eq!(packets.len() as u64, summary_packets(name), "{name}");
        assert!(
            packets
                .iter()
                .enumerate()
                .all(|(i, p)| p.0 == i as u64 + 1 && p.2 == 1)
        );
    }
}

#[test]
fn formats_are_detected() {
    let f = |n| open(n).format();
    assert_eq!(
        f("ws-basic.pcap"),
        CaptureFormat::Pcap {
            nanos: false,
            big_endian: false
        }
    );
    assert_eq!(
        f("ws-websocat-nano.pcap"),
        CaptureFormat::Pcap {
            nanos: true,
            big_endian: false
        }
    );
    assert_eq!(f("ws-basic.pcapng"), CaptureFormat::Pcapng);
}

#[test]
fn pcap_and_pcapng_of_the_same_traffic_agree() {
    let (a, _) = read_all(open("ws-basic.pcap"));
    let (b, _) = read_all(open("ws-basic.pcapng"));
    assert_eq!(a, b);
}

#[test]
fn nanosecond_timestamps_match_tshark() {
    // frame 4 of each, per tshark's frame.time_epoch.
    let (nano, _) = read_all(open("ws-websocat-nano.pcap"));
    assert_eq!(nano[3].1, 1_795_506_142_564_954_027);
    let (ng, _) = read_all(open("ws-websocat-server.pcapng"));
    assert_eq!(ng[3].1, 1_795_506_147_342_618_928);
    let (micro, _) = read_all(open("ws-basic.pcap"));
    assert!(micro.iter().all(|p| p.1 % 1000 == 0));
    assert!(nano.iter().any(|p| p.1 % 1000 != 0));
}

#[test]
fn truncated_capture_yields_complete_packets_then_names_the_cut_one() {
    let (packets, errors) = read_all(open("ws-basic-truncated.pcap"));
    assert_eq!(packets.len(), 17);
    let [
        CaptureError::Truncated {
            packet,
            offset,
            need,
            have,
        },
    ] = errors.as_slice()
    else {
        panic!("{errors:?}");
    };
    assert_eq!(
        (*packet, *offset, *need, *have),
        (18, 4580, 16 + 35906, 16 + 17953)
    );
    assert!(errors[0].to_string().contains("inside packet 18"));
}

#[test]
fn garbage_and_empty_are_not_captures() {
    let file = File::open(Path::new(CAPTURES).join("garbage.pcap")).unwrap();
    let Err(CaptureError::NotACapture { first_bytes }) = CaptureReader::new(file) else {
        panic!("garbage accepted");
    };
    assert_eq!(first_bytes[..4], [0x22, 0x34, 0x8e, 0x08]);
    assert!(matches!(
        CaptureReader::new(&[][..]),
        Err(CaptureError::NotACapture { .. })
    ));
    assert!(matches!(
        CaptureReader::new(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0][..]),
        Err(CaptureError::TruncatedHeader { need: 24, have: 6 })
    ));
    // The pcapng magic without a byte-order magic is noise.
    assert!(matches!(
        CaptureReader::new(&[0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 1, 2, 3, 4][..]),
        Err(CaptureError::NotACapture { .. })
    ));
}

#[test]
fn header_only_ends_at_once() {
    let mut r = open("header-only.pcap");
    assert!(r.next_packet().unwrap().is_none());
    assert!(r.next_packet().unwrap().is_none());
}

/// Hands out one byte per read, and fails with `Interrupted` every other call.
struct Trickle<'a>(&'a [u8], bool);
impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.1 = !self.1;
        if self.1 {
            return Err(io::ErrorKind::Interrupted.into());
        }
        let n = self.0.len().min(buf.len()).min(1);
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn short_reads_give_the_same_packets() {
    for name in ["ws-websocat-nano.pcap", "ws-websocat-server.pcapng"] {
        let bytes = std::fs::read(Path::new(CAPTURES).join(name)).unwrap();
        let slow = read_all(CaptureReader::new(Trickle(&bytes, false)).unwrap());
        assert_eq!(slow.0, read_all(open(name)).0);
    }
}

struct Failing;
impl Read for Failing {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(io::Error::other("disk on fire"))
    }
}

#[test]
fn io_errors_keep_their_cause_and_end_the_reader() {
    let Err(CaptureError::Io(e)) = CaptureReader::new(Failing) else {
        panic!()
    };
    assert_eq!(e.to_string(), "disk on fire");
    let header = legacy_header(false, false);
    let mut r = CaptureReader::new(io::Read::chain(&header[..], Failing)).unwrap();
    assert!(matches!(r.next_packet(), Err(CaptureError::Io(_))));
    assert!(r.next_packet().unwrap().is_none());
}

pub(super) fn legacy_header(nanos: bool, big_endian: bool) -> Vec<u8> {
    let magic: u32 = if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
    let mut h = Vec::new();
    for (v, n) in [
        (magic, 4),
        (2, 2),
        (4, 2),
        (0, 4),
        (0, 4),
        (65535, 4),
        (1, 4),
    ] {
        let b = if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        if n == 2 {
            h.extend_from_slice(if big_endian { &b[2..] } else { &b[..2] });
        } else {
            h.extend_from_slice(&b);
        }
    }
    h
}

pub(super) fn legacy_record(
    big_endian: bool,
    sec: u32,
    frac: u32,
    data: &[u8],
    orig: u32,
) -> Vec<u8> {
    let mut r = Vec::new();
    for v in [sec, frac, data.len() as u32, orig] {
        r.extend_from_slice(&if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        });
    }
    r.extend_from_slice(data);
    r
}

#[test]
fn legacy_byte_orders_and_units() {
    for (nanos, be) in [(false, false), (false, true), (true, false), (true, true)] {
        let mut file = legacy_header(nanos, be);
        file.extend(legacy_record(be, 10, 7, b"abc", 60));
        let mut r = CaptureReader::new(&file[..]).unwrap();
        assert_eq!(
            r.format(),
            CaptureFormat::Pcap {
                nanos,
                big_endian: be
            }
        );
        let p = r.next_packet().unwrap().unwrap();
        let frac_ns = if nanos { 7 } else { 7_000 };
        assert_eq!(
            (p.number, p.ts.0, p.data, p.orig_len),
            (1, 10_000_000_000 + frac_ns, &b"abc"[..], 60)
        );
        assert!(r.next_packet().unwrap().is_none());
    }
}

#[test]
fn big_records_grow_the_buffer_up_to_a_limit() {
    let big = vec![0x5a; 3 << 20];
    let mut file = legacy_header(false, false);
    file.extend(legacy_record(false, 1, 0, b"small", 5));
    file.extend(legacy_record(false, 2, 0, &big, big.len() as u32));
    let (packets, errors) = read_all(CaptureReader::new(&file[..]).unwrap());
    assert!(errors.is_empty());
    assert_eq!(packets[1].3, big);

    let mut file = legacy_header(false, false);
    file.extend(legacy_record(false, 1, 0, b"small", 5));
    file.extend(legacy_record(false, 2, 0, b"", 0));
    let at = file.len() - 8;
    file[at..at + 4].copy_from_slice(&(MAX_RECORD as u32 + 1).to_le_bytes());
    let (packets, errors) = read_all(CaptureReader::new(&file[..]).unwrap());
    assert_eq!(packets.len(), 1);
    assert!(matches!(
        errors.as_slice(),
        [CaptureError::Corrupt {
            packet: 2,
            offset: 45,
            ..
        }]
    ));
}

// pcapng building blocks, in either byte order.
fn u32b(v: u32, be: bool) -> [u8; 4] {
    if be { v.to_be_bytes() } else { v.to_le_bytes() }
}
fn block(kind: u32, body: &[u8], be: bool) -> Vec<u8> {
    let mut body = body.to_vec();
    body.resize(body.len().next_multiple_of(4), 0);
    let len = 12 + body.len() as u32;
    [&u32b(kind, be)[..], &u32b(len, be), &body, &u32b(len, be)].concat()
}
fn shb(be: bool) -> Vec<u8> {
    let mut body = u32b(BOM_MAGIC, be).to_vec();
    body.extend_from_slice(&u32b(1, be)[if be { 2 } else { 0 }..][..2]);
    body.extend_from_slice(&[0, 0]);
    body.extend_from_slice(&[0xff; 8]);
    block(SHB_MAGIC, &body, be)
}
fn idb(linktype: u16, options: &[(u16, &[u8])], be: bool) -> Vec<u8> {
    let two = |v: u16| if be { v.to_be_bytes() } else { v.to_le_bytes() };
    let mut body = [&two(linktype)[..], &[0, 0], &u32b(0, be)].concat();
    for (code, value) in options {
        body.extend_from_slice(&two(*code));
        body.extend_from_slice(&two(value.len() as u16));
        body.extend_from_slice(value);
        body.resize(body.len().next_multiple_of(4), 0);
    }
    if !options.is_empty() {
        body.extend_from_slice(&[0; 4]);
    }
    block(IDB_MAGIC, &body, be)
}
fn epb(if_id: u32, ts: u64, data: &[u8], be: bool) -> Vec<u8> {
    let mut body = Vec::new();
    for v in [
        if_id,
        (ts >> 32) as u32,
        ts as u32,
        data.len() as u32,
        data.len() as u32,
    ] {
        body.extend_from_slice(&u32b(v, be));
    }
    body.extend_from_slice(data);
    block(EPB_MAGIC, &body, be)
}

#[test]
fn pcapng_interfaces_resolutions_and_sections() {
    let offset = 1_000i64;
    let mut f = shb(false);
    f.extend(idb(1, &[], false)); // µs
    f.extend(idb(101, &[(9, &[9]), (14, &offset.to_le_bytes())], false)); // ns, +1000 s
    f.extend(idb(113, &[(9, &[0x8a])], false)); // 2^-10 s
    f.extend(epb(0, 1_500_000, b"eth", false));
    f.extend(epb(1, 2_000_000_001, b"raw", false));
    f.extend(epb(2, 3 * 1024 + 512, b"sll", false));
    f.extend(epb(7, 0, b"bad", false)); // no interface 7
    f.extend(block(5, &[0; 8], false)); // statistics: skipped
    f.extend(block(
        SPB_MAGIC,
        &[&5u32.to_le_bytes()[..], b"simple"].concat(),
        false,
    ));
    // A big-endian section: interfaces start again from none.
    f.extend(shb(true));
    f.extend(epb(1, 0, b"gone", true));
    f.extend(idb(229, &[(9, &[3]), (14, &(-1i64).to_be_bytes())], true)); // ms, -1 s
    f.extend(epb(0, 2_500, b"be", true));

    let (packets, errors) = read_all(CaptureReader::new(&f[..]).unwrap());
    let got: Vec<_> = packets
        .iter()
        .map(|p| (p.0, p.1, p.2, p.3.as_slice()))
        .collect();
    assert_eq!(
        got,
        [
            (1, 1_500_000_000, 1, &b"eth"[..]),
            (2, 1_002_000_000_001, 101, b"raw"),
            (3, 3_500_000_000, 113, b"sll"),
            (5, 3_500_000_000, 1, b"simpl"), // SPB: orig_len cuts the padding
            (7, 1_500_000_000, 229, b"be"),
        ]
        .map(|(n, t, l, d)| (n, t, l, d))
    );
    let numbers: Vec<_> = errors
        .iter()
        .map(|e| match e {
            CaptureError::Corrupt { packet, what, .. } => (*packet, what.contains("interface")),
            other => panic!("{other}"),
        })
        .collect();
    assert_eq!(numbers, [(4, true), (6, true)]);
}

#[test]
fn pcapng_cut_inside_a_block_is_truncated() {
    let mut f = shb(false);
    f.extend(idb(1, &[], false));
    f.extend(epb(0, 1, b"one", false));
    f.extend(epb(0, 2, b"two", false));
    let cut = &f[..f.len() - 3];
    let (packets, errors) = read_all(CaptureReader::new(cut).unwrap());
    assert_eq!(packets.len(), 1);
    assert!(matches!(
        errors.as_slice(),
        [CaptureError::Truncated { packet: 2, .. }]
    ));
}

#[test]
fn damaged_files_never_panic() {
    for name in ["ws-websocat-server.pcapng", "ws-websocat-nano.pcap"] {
        let bytes = std::fs::read(Path::new(CAPTURES).join(name)).unwrap();
        for cut in 0..bytes.len() {
            if let Ok(r) = CaptureReader::new(&bytes[..cut]) {
                read_all(r);
            }
        }
        for at in 0..bytes.len() {
            for value in [0x00, 0xff, 0x7f] {
                let mut damaged = bytes.clone();
                damaged[at] = value;
                if let Ok(r) = CaptureReader::new(&damaged[..]) {
                    read_all(r);
                }
            }
        }
    }
}
