//! The whole program against damaged captures: every file in `assets/captures/` is cut, bit-flipped,
//! given absurd record and block lengths, an unsupported link type, and duplicated or reordered
//! packets, and `duplex replay --json` runs on each copy. Whatever the damage, duplex must not
//! panic (exit code 0 or 1, never 101), every line it writes to stderr must name the file, and a
//! fault inside a packet record must be reported with that packet's number.
//!
//! The mutations are a fixed list (a small LCG picks the bit-flip positions), so a failure
//! reproduces; the damaged copy is left in the temp directory named in the failure message.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Bytes of the legacy pcap file header and of a record header.
const PCAP_HEADER: usize = 24;
const PCAP_RECORD: usize = 16;
const EPB: u32 = 6;
const SPB: u32 = 3;

/// What the file is made of, as positions, so mutations can aim at a field.
#[derive(Debug)]
struct Layout {
    ng: bool,
    big_endian: bool,
    /// Everything before the first record (pcap file header; pcapng SHB and IDBs).
    header_end: usize,
    records: Vec<Record>,
}

#[derive(Debug, Clone, Copy)]
struct Record {
    start: usize,
    end: usize,
    /// pcapng block type (0 for pcap records).
    kind: u32,
    /// The number duplex gives the packet in this record, or the one it gives the next packet.
    number: u64,
    is_packet: bool,
    /// Where the packet bytes start.
    data: usize,
}

fn read_u32(b: &[u8], at: usize, big_endian: bool) -> u32 {
    let v = [b[at], b[at + 1], b[at + 2], b[at + 3]];
    if big_endian {
        u32::from_be_bytes(v)
    } else {
        u32::from_le_bytes(v)
    }
}

fn write_u32(b: &mut [u8], at: usize, v: u32, big_endian: bool) {
    let v = if big_endian {
        v.to_be_bytes()
    } else {
        v.to_le_bytes()
    };
    b[at..at + 4].copy_from_slice(&v);
}

/// Reads the record framing of a pcap or pcapng file (None for anything else).
fn layout(b: &[u8]) -> Option<Layout> {
    let magic = b.get(..4)?;
    if magic == [0x0a, 0x0d, 0x0d, 0x0a] {
        let big_endian = b.get(8..12)? == [0x1a, 0x2b, 0x3c, 0x4d];
        let (mut pos, mut packets, mut records) = (0, 0, Vec::new());
        let mut header_end = None;
        while pos + 12 <= b.len() {
            let kind = read_u32(b, pos, big_endian);
            let len = read_u32(b, pos + 4, big_endian) as usize;
            if len < 12 || pos + len > b.len() {
                break;
            }
            let is_packet = kind == EPB || kind == SPB;
            if is_packet {
                packets += 1;
                header_end.get_or_insert(pos);
            }
            let data = pos + if kind == EPB { 28 } else { 12 };
            records.push(Record {
                start: pos,
                end: pos + len,
                kind,
                number: if is_packet { packets } else { packets + 1 },
                is_packet,
                data,
            });
            pos += len;
        }
        return Some(Layout {
            ng: true,
            big_endian,
            header_end: header_end.unwrap_or(pos),
            records,
        });
    }
    let big_endian = match magic {
        [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1] => false,
        [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => true,
        _ => return None,
    };
    let (mut pos, mut records) = (PCAP_HEADER, Vec::new());
    while pos + PCAP_RECORD <= b.len() {
        let caplen = read_u32(b, pos + 8, big_endian) as usize;
        let end = pos + PCAP_RECORD + caplen;
        if end > b.len() {
            break;
        }
        records.push(Record {
            start: pos,
            end,
            kind: 0,
            number: records.len() as u64 + 1,
            is_packet: true,
            data: pos + PCAP_RECORD,
        });
        pos = end;
    }
    Some(Layout {
        ng: false,
        big_endian,
        header_end: PCAP_HEADER.min(b.len()),
        records,
    })
}

/// One damaged copy and what duplex must say about it.
struct Mutation {
    name: String,
    bytes: Vec<u8>,
    /// stderr must report a problem in this packet.
    packet: Option<u64>,
    /// stderr must contain this.
    text: Option<String>,
    /// Exit code must be exactly this.
    code: Option<i32>,
}

impl Mutation {
    fn new(name: impl Into<String>, bytes: Vec<u8>) -> Self {
        Mutation {
            name: name.into(),
            bytes,
            packet: None,
            text: None,
            code: None,
        }
    }
    fn packet(mut self, n: u64) -> Self {
        self.packet = Some(n);
        self
    }
    fn text(mut self, t: String) -> Self {
        self.text = Some(t);
        self
    }
    fn code(mut self, c: i32) -> Self {
        self.code = Some(c);
        self
    }
}

/// Deterministic positions for the bit flips.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n.max(1) as u64) as usize
    }
}

/// A handful of records spread over the file: the first three, the last two, and some between.
fn sample(records: &[Record]) -> Vec<Record> {
    let n = records.len();
    let mut idx: Vec<usize> = (0..n.min(3)).chain(n.saturating_sub(2)..n).collect();
    idx.extend((1..5).map(|i| i * n / 5));
    idx.sort_unstable();
    idx.dedup();
    idx.into_iter()
        .filter(|&i| i < n)
        .map(|i| records[i])
        .collect()
}

fn packets(records: &[Record]) -> Vec<Record> {
    records.iter().copied().filter(|r| r.is_packet).collect()
}

fn mutations(orig: &[u8], seed: u64) -> Vec<Mutation> {
    let mut out = vec![Mutation::new("empty", Vec::new()).code(1)];
    let mut rng = Lcg(seed);
    let Some(lay) = layout(orig) else {
        // Not a capture: cuts and flips must still be refused cleanly.
        for cut in [1, 4, 23, 24, 100, orig.len() / 2] {
            out.push(
                Mutation::new(format!("cut-{cut}"), orig[..cut.min(orig.len())].to_vec()).code(1),
            );
        }
        for _ in 0..8 {
            let mut b = orig.to_vec();
            let at = rng.below(b.len());
            b[at] ^= 1 << rng.below(8);
            out.push(Mutation::new(format!("flip-{at}"), b));
        }
        return out;
    };
    let be = lay.big_endian;
    let sampled = sample(&lay.records);
    let first_packet_end = lay.records.iter().find(|r| r.is_packet).map(|r| r.end);

    // Truncation: inside the file header, at spread offsets, and at chosen points of records.
    let mut cuts: Vec<usize> = vec![1, 3, 4, 8, 11, 12, 16, 23, 24, 28];
    cuts.extend((1..16).map(|i| i * orig.len() / 16));
    for r in &sampled {
        let len = r.end - r.start;
        cuts.extend(
            [1, 8, 12, 15, 16, 27, 28, 40, len / 2, len - 4, len - 1]
                .map(|d| r.start + d.min(len - 1)),
        );
    }
    cuts.sort_unstable();
    cuts.dedup();
    for cut in cuts.into_iter().filter(|&c| c < orig.len()) {
        let mut m = Mutation::new(format!("cut-{cut}"), orig[..cut].to_vec());
        // The record the cut falls in (strictly inside it) is the one reported.
        // (A pcapng file cut inside its first 12 bytes is not recognised as one at all.)
        let recognised = !lay.ng || cut >= 12;
        if let Some(r) = lay
            .records
            .iter()
            .find(|r| r.start < cut && cut < r.end && recognised)
        {
            m = m.packet(r.number);
        }
        // Cut before the first packet is whole, and not between two records: nothing readable.
        let boundary =
            cut == lay.header_end || lay.records.iter().any(|r| r.start == cut || r.end == cut);
        if first_packet_end.is_none_or(|end| cut < end) && !boundary {
            m = m.code(1);
        }
        out.push(m);
    }

    // Bit flips in the file header, the record headers, and the packets' headers and payloads.
    for at in [0, 3, 4, 6, 8, 12, 16, 20, 21, 22] {
        if at < lay.header_end {
            let mut b = orig.to_vec();
            b[at] ^= 1 << rng.below(8);
            out.push(Mutation::new(format!("flip-header-{at}"), b));
        }
    }
    for r in &sampled {
        let header = r.data - r.start;
        // Record header, then link / IP / TCP headers, then two spots in the payload.
        let mut spots: Vec<usize> = (0..3).map(|_| r.start + rng.below(header)).collect();
        for (lo, hi) in [(0, 14), (14, 34), (34, 66), (66, 2000), (66, usize::MAX)] {
            let hi = (r.data + hi).min(r.end);
            let lo = r.data + lo;
            if lo < hi {
                spots.push(lo + rng.below(hi - lo));
            }
        }
        for at in spots {
            let mut b = orig.to_vec();
            b[at] ^= 1 << rng.below(8);
            out.push(Mutation::new(format!("flip-{at}"), b));
        }
    }

    if lay.ng {
        // Block lengths of 0, odd and huge, on the section header, an interface, and packets.
        let mut blocks: Vec<Record> = lay
            .records
            .iter()
            .copied()
            .filter(|r| !r.is_packet)
            .take(2)
            .collect();
        blocks.extend(sample(&packets(&lay.records)).into_iter().take(4));
        for r in blocks {
            let len = (r.end - r.start) as u32;
            for (what, v, fatal) in [
                ("zero", 0, true),
                ("odd", len + 1, false),
                ("odd13", 13, false),
                ("huge", 0xffff_fff0, true),
                ("past-limit", (16 << 20) + 4, true),
            ] {
                let mut b = orig.to_vec();
                write_u32(&mut b, r.start + 4, v, be);
                let mut m = Mutation::new(format!("block-{}-len-{what}", r.start), b);
                if fatal {
                    m = m.packet(r.number);
                }
                out.push(m);
            }
        }
        // A packet block naming an interface the section does not describe: that packet is lost.
        for r in sample(&packets(&lay.records))
            .into_iter()
            .filter(|r| r.kind == EPB)
        {
            let mut b = orig.to_vec();
            write_u32(&mut b, r.start + 8, 7, be);
            out.push(Mutation::new(format!("block-{}-interface-7", r.start), b).packet(r.number));
        }
        // An unsupported link type in every interface.
        for lt in [147u16, 0xffff] {
            let mut b = orig.to_vec();
            for r in lay.records.iter().filter(|r| r.kind == 1) {
                let at = r.start + 8;
                let v = if be {
                    lt.to_be_bytes()
                } else {
                    lt.to_le_bytes()
                };
                b[at..at + 2].copy_from_slice(&v);
            }
            let text = format!("link type {lt} is not supported");
            out.push(
                Mutation::new(format!("linktype-{lt}"), b)
                    .text(text)
                    .code(1),
            );
        }
    } else {
        // A record length far past any buffer, just past the limit, and large but allowed.
        for r in sample(&lay.records) {
            for (what, v) in [
                ("huge", 0xffff_fff0u32),
                ("past-limit", (16 << 20) + 1),
                ("10m", 10 << 20),
            ] {
                let mut b = orig.to_vec();
                write_u32(&mut b, r.start + 8, v, be);
                out.push(
                    Mutation::new(format!("record-{}-len-{what}", r.number), b).packet(r.number),
                );
            }
        }
        for lt in [147u32, 0x8000_0000, 9999] {
            let mut b = orig.to_vec();
            write_u32(&mut b, 20, lt, be);
            let text = format!("link type {} is not supported", lt as i32);
            let m = Mutation::new(format!("linktype-{lt}"), b);
            // Said of each packet, and no packet could be read: exit 1. A file without packets
            // has nothing to say it of.
            out.push(match lay.records.is_empty() {
                true => m.code(0),
                false => m.text(text).code(1),
            });
        }
    }

    // Packets duplicated and reordered (records stay whole, so the file itself is valid).
    let recs = &lay.records;
    if recs.len() >= 2 {
        let head = &orig[..lay.header_end];
        let tail_start = recs.last().map_or(orig.len(), |r| r.end);
        let body_of = |order: &[usize]| {
            let mut b = head.to_vec();
            // Records before the header end (pcapng SHB/IDBs) are already in `head`.
            for &i in order {
                let r = recs[i];
                if r.start >= lay.header_end {
                    b.extend_from_slice(&orig[r.start..r.end]);
                }
            }
            b.extend_from_slice(&orig[tail_start..]);
            b
        };
        let n = recs.len();
        let all: Vec<usize> = (0..n).collect();
        let twice: Vec<usize> = all.iter().flat_map(|&i| [i, i]).collect();
        let mut swapped = all.clone();
        for pair in swapped.chunks_mut(2) {
            pair.reverse();
        }
        let reversed: Vec<usize> = all.iter().rev().copied().collect();
        let mut last_first = vec![n - 1];
        last_first.extend(0..n - 1);
        let mut shuffled = all.clone();
        for i in (1..n).rev() {
            shuffled.swap(i, rng.below(i + 1));
        }
        let mid = n / 2;
        let mut dup_mid = all.clone();
        dup_mid.insert(mid, mid);
        let replayed: Vec<usize> = all.iter().chain(all.iter()).copied().collect();
        for (what, order) in [
            ("dup-all", twice),
            ("dup-mid", dup_mid),
            ("swap-pairs", swapped),
            ("reversed", reversed),
            ("last-first", last_first),
            ("shuffled", shuffled),
            ("replayed-twice", replayed),
        ] {
            out.push(Mutation::new(what, body_of(&order)).code(0));
        }
    }
    out
}

/// True when `s` has `packet N` with N not followed by another digit.
fn names_packet(s: &str, n: u64) -> bool {
    let needle = format!("packet {n}");
    s.match_indices(&needle)
        .any(|(i, _)| !s[i + needle.len()..].starts_with(|c: char| c.is_ascii_digit()))
}

/// Runs duplex on one damaged copy; returns what is wrong with its behaviour, if anything.
fn check(dir: &Path, capture: &str, m: &Mutation) -> Option<String> {
    let ext = Path::new(capture)
        .extension()
        .map_or("bin".into(), |e| e.to_string_lossy());
    let stem = Path::new(capture).file_stem().unwrap().to_string_lossy();
    let path = dir.join(format!("{stem}.{}.{ext}", m.name));
    std::fs::write(&path, &m.bytes).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_duplex"))
        .arg("replay")
        .arg("--json")
        .arg(&path)
        .output()
        .expect("run duplex");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let name = path.display().to_string();
    let code = out.status.code();
    let mut wrong = Vec::new();
    if !matches!(code, Some(0 | 1)) {
        wrong.push(format!("exit status {:?}", out.status));
    }
    if stderr.contains("panicked") {
        wrong.push("panicked".into());
    }
    if code == Some(1) && stderr.trim().is_empty() {
        wrong.push("failed without a word".into());
    }
    // The first 20 problems, a count of the rest, and the last one.
    if stderr.lines().count() > 22 {
        wrong.push(format!("{} lines on stderr", stderr.lines().count()));
    }
    if let Some(line) = stderr.lines().find(|l| !l.contains(&name)) {
        wrong.push(format!("a line does not name the file: {line:?}"));
    }
    if let Some(c) = m.code.filter(|&c| code != Some(c)) {
        wrong.push(format!("exit code {code:?}, expected {c}"));
    }
    if let Some(n) = m.packet.filter(|&n| !names_packet(&stderr, n)) {
        wrong.push(format!("packet {n} is not named"));
    }
    if let Some(t) = m.text.as_ref().filter(|t| !stderr.contains(t.as_str())) {
        wrong.push(format!("{t:?} is not said"));
    }
    if wrong.is_empty() {
        let _ = std::fs::remove_file(&path);
        return None;
    }
    let first: String = stderr.lines().take(3).collect::<Vec<_>>().join("\n    ");
    Some(format!("{name}: {}\n    {first}", wrong.join("; ")))
}

fn captures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/captures");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("duplex-hostile-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn damaged_captures_never_panic_and_name_the_file_and_packet() {
    let dir = temp_dir("all");
    let mut jobs = Vec::new();
    for (i, path) in captures().iter().enumerate() {
        let orig = std::fs::read(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        for m in mutations(&orig, 0x5eed + i as u64) {
            jobs.push((name.clone(), m));
        }
    }
    assert!(jobs.len() > 500, "only {} mutations", jobs.len());
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(8);
    let chunk = jobs.len().div_ceil(threads);
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = jobs
            .chunks(chunk)
            .map(|part| {
                s.spawn(|| {
                    part.iter()
                        .filter_map(|(c, m)| check(&dir, c, m))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} of {} damaged captures misbehaved:\n{}",
        failures.len(),
        jobs.len(),
        failures.join("\n")
    );
    let _ = std::fs::remove_dir(&dir);
}

#[test]
fn a_file_of_broken_packets_is_reported_in_bounded_space() {
    let dir = temp_dir("broken");
    let path = dir.join("empty-frames.pcap");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/captures");
    let mut pcap = std::fs::read(root.join("header-only.pcap")).unwrap();
    let packets = 200_000;
    for _ in 0..packets {
        pcap.extend_from_slice(&[0; 16]); // records of empty Ethernet frames
    }
    std::fs::write(&path, pcap).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_duplex"))
        .args(["replay", "--summary"])
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "no packet could be read: {stderr}"
    );
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 22, "the first 20, a count, the last");
    assert!(
        lines[0].contains("packet 1: Ethernet header cut short"),
        "{}",
        lines[0]
    );
    assert!(lines[20].contains("199979 more problems"), "{}", lines[20]);
    assert!(
        lines[21].contains(&format!("packet {packets}: ")),
        "{}",
        lines[21]
    );
    assert!(
        stdout.contains(&format!("errors           {packets}")),
        "{stdout}"
    );
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_dir(&dir);
}

#[test]
fn unsupported_link_type_is_named() {
    let dir = temp_dir("linktype");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/captures");
    // pcap: the link type is in the file header.
    let mut pcap = std::fs::read(root.join("ws-basic.pcap")).unwrap();
    write_u32(&mut pcap, 20, 147, false);
    // pcapng: it is in each interface description block.
    let mut ng = std::fs::read(root.join("ws-basic.pcapng")).unwrap();
    let lay = layout(&ng).unwrap();
    let idb = lay.records.iter().find(|r| r.kind == 1).unwrap().start;
    ng[idb + 8..idb + 10].copy_from_slice(&150u16.to_le_bytes());
    for (file, bytes, lt) in [("usr0.pcap", pcap, 147), ("usr3.pcapng", ng, 150)] {
        let path = dir.join(file);
        std::fs::write(&path, bytes).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_duplex"))
            .args(["replay", "--json"])
            .arg(&path)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(out.stdout.is_empty(), "no packet can be decoded");
        let first = stderr.lines().next().unwrap_or_default();
        assert!(first.contains(&path.display().to_string()), "{first}");
        assert!(first.contains("packet 1:"), "{first}");
        assert!(
            first.contains(&format!("link type {lt} is not supported")),
            "{first}"
        );
        let _ = std::fs::remove_file(&path);
    }
    let _ = std::fs::remove_dir(&dir);
}
