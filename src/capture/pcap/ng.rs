//! pcapng sections: byte order, interfaces, and what a block means for the packets in it; the
//! reader's step from block to block.

use pcap_parser::pcapng::{
    SecretsType, parse_decryptionsecretsblock_be, parse_decryptionsecretsblock_le,
    parse_enhancedpacketblock_be, parse_enhancedpacketblock_le, parse_interfacedescriptionblock_be,
    parse_interfacedescriptionblock_le, parse_simplepacketblock_be, parse_simplepacketblock_le,
};
use pcap_parser::{
    BOM_MAGIC, DSB_MAGIC, EPB_MAGIC, IDB_MAGIC, OptionCode, SHB_MAGIC, SPB_MAGIC,
    parse_sectionheaderblock,
};

use std::io::Read;

use super::{CaptureReader, Found, Layout, MAX_RECORD, Stop, corrupt, read_u32};
use crate::proto::Timestamp;

/// Interfaces per section; more is a corrupt (or hostile) file.
const MAX_INTERFACES: usize = 1 << 16;

/// What the current section says about the blocks that follow it.
#[derive(Debug, Default)]
pub(super) struct Section {
    pub big_endian: bool,
    interfaces: Vec<Interface>,
    /// TLS key log lines of Decryption Secrets Blocks not yet taken by the reader.
    pub secrets: Vec<u8>,
}

/// What an IDB says about the packets of one interface.
#[derive(Debug)]
struct Interface {
    linktype: i32,
    snaplen: u32,
    /// Timestamp units per second, or why the IDB is unusable.
    units_per_sec: Result<u64, String>,
    offset_secs: i64,
}

/// A packet block's contents; `ts` is None for a simple packet block, which has none.
pub(super) struct NgPacket<'a> {
    pub linktype: i32,
    pub ts: Option<Timestamp>,
    pub data: &'a [u8],
    pub orig_len: u32,
}

/// A block that cannot be used: `Packet` loses one packet, `Fatal` the rest of the file.
pub(super) enum BlockError {
    Packet(String),
    Fatal(String),
}

pub(super) fn is_packet(kind: u32) -> bool {
    kind == EPB_MAGIC || kind == SPB_MAGIC
}

/// The byte order a section header declares: Some(big_endian).
pub(super) fn byte_order(bom: &[u8]) -> Option<bool> {
    match u32::from_le_bytes([bom[0], bom[1], bom[2], bom[3]]) {
        BOM_MAGIC => Some(false),
        m if m == BOM_MAGIC.swap_bytes() => Some(true),
        _ => None,
    }
}

impl Section {
    /// Takes in one whole block of type `kind`; returns the packet it holds, if any.
    pub fn block<'a>(
        &mut self,
        kind: u32,
        block: &'a [u8],
    ) -> Result<Option<NgPacket<'a>>, BlockError> {
        let be = self.big_endian;
        match kind {
            SHB_MAGIC => {
                let shb = parse_sectionheaderblock(block)
                    .map_err(|_| BlockError::Fatal("unreadable section header block".into()))?;
                // A new section starts with no interfaces.
                self.big_endian = shb.1.big_endian();
                self.interfaces.clear();
                Ok(None)
            }
            IDB_MAGIC if self.interfaces.len() >= MAX_INTERFACES => Err(BlockError::Fatal(
                format!("more than {MAX_INTERFACES} interfaces in one section"),
            )),
            IDB_MAGIC => {
                self.interfaces.push(interface(block, be));
                Ok(None)
            }
            EPB_MAGIC => {
                let parsed = match be {
                    true => parse_enhancedpacketblock_be(block),
                    false => parse_enhancedpacketblock_le(block),
                };
                let epb = parsed
                    .map_err(|_| bad("unreadable enhanced packet block"))?
                    .1;
                let iface = self.interface(epb.if_id)?;
                let data = &epb.data[..epb.data.len().min(epb.caplen as usize)];
                let units = u64::from(epb.ts_high) << 32 | u64::from(epb.ts_low);
                Ok(Some(NgPacket {
                    linktype: iface.linktype,
                    ts: Some(iface.timestamp(units)?),
                    data,
                    orig_len: epb.origlen,
                }))
            }
            SPB_MAGIC => {
                let parsed = match be {
                    true => parse_simplepacketblock_be(block),
                    false => parse_simplepacketblock_le(block),
                };
                let spb = parsed.map_err(|_| bad("unreadable simple packet block"))?.1;
                let iface = self.interface(0)?;
                // Captured length is implicit: the original length, cut at the snap length.
                let mut len = spb.data.len().min(spb.origlen as usize);
                if iface.snaplen != 0 {
                    len = len.min(iface.snaplen as usize);
                }
                Ok(Some(NgPacket {
                    linktype: iface.linktype,
                    ts: None,
                    data: &spb.data[..len],
                    orig_len: spb.origlen,
                }))
            }
            // TLS secrets (an SSLKEYLOGFILE's lines), as Wireshark and `editcap --inject-secrets`
            // write them; other kinds of secrets are not used here.
            DSB_MAGIC => {
                let parsed = match be {
                    true => parse_decryptionsecretsblock_be(block),
                    false => parse_decryptionsecretsblock_le(block),
                };
                let dsb = parsed
                    .map_err(|_| bad("unreadable decryption secrets block"))?
                    .1;
                if dsb.secrets_type == SecretsType::TlsKeyLog {
                    let n = (dsb.secrets_len as usize).min(dsb.data.len());
                    self.secrets.extend_from_slice(&dsb.data[..n]);
                    self.secrets.push(b'\n');
                }
                Ok(None)
            }
            // Statistics, name resolution, custom blocks...: nothing to replay.
            _ => Ok(None),
        }
    }

    fn interface(&self, id: u32) -> Result<&Interface, BlockError> {
        let n = self.interfaces.len();
        self.interfaces.get(id as usize).ok_or_else(|| {
            BlockError::Packet(format!(
                "interface {id} is not described ({n} in this section)"
            ))
        })
    }
}

fn bad(what: &str) -> BlockError {
    BlockError::Packet(what.into())
}

impl Interface {
    /// `units` ticks since the epoch (shifted by if_tsoffset), in ns, clamped to u64.
    fn timestamp(&self, units: u64) -> Result<Timestamp, BlockError> {
        let per_sec = self.units_per_sec.as_ref().map_err(|why| bad(why))?;
        let ns = i128::from(units) * 1_000_000_000 / i128::from(*per_sec)
            + i128::from(self.offset_secs) * 1_000_000_000;
        Ok(Timestamp(ns.clamp(0, i128::from(u64::MAX)) as u64))
    }
}

/// Reads an IDB. Resolution and offset are read from the options here rather than from
/// pcap-parser's fields, which reject every power-of-2 resolution and read the offset as
/// little-endian in big-endian sections.
fn interface(block: &[u8], big_endian: bool) -> Interface {
    let parsed = match big_endian {
        true => parse_interfacedescriptionblock_be(block),
        false => parse_interfacedescriptionblock_le(block),
    };
    let Ok((_, idb)) = parsed else {
        return Interface {
            linktype: -1,
            snaplen: 0,
            units_per_sec: Err("its interface description block is unreadable".into()),
            offset_secs: 0,
        };
    };
    let option = |code| {
        let found = idb.options.iter().find(|o| o.code == code);
        found.and_then(|o| o.as_bytes().ok())
    };
    let units_per_sec = match option(OptionCode::IfTsresol).and_then(|v| v.first()) {
        None => Ok(1_000_000),
        Some(&r) if r & 0x80 != 0 && r & 0x7f <= 63 => Ok(1 << (r & 0x7f)),
        Some(&r) if r <= 19 => Ok(10u64.pow(u32::from(r))),
        Some(&r) => Err(format!("its interface has an invalid if_tsresol {r:#04x}")),
    };
    let offset_secs = match option(OptionCode::IfTsoffset).and_then(|v| v.try_into().ok()) {
        Some(b) if big_endian => i64::from_be_bytes(b),
        Some(b) => i64::from_le_bytes(b),
        None => 0,
    };
    Interface {
        linktype: idb.linktype.0,
        snaplen: idb.snaplen,
        units_per_sec,
        offset_secs,
    }
}

impl<R: Read> CaptureReader<R> {
    pub(super) fn next_ng(&mut self) -> Result<Option<Found>, Stop> {
        loop {
            if !self.fill(12)? {
                return self.end_or_truncated(12);
            }
            let Layout::Ng(section) = &self.layout else {
                return Ok(None);
            };
            let head = &self.buf[self.start..self.start + 12];
            // A section header declares its own byte order; other blocks use the section's.
            let big_endian = match read_u32(head, false) {
                SHB_MAGIC => byte_order(&head[8..12]),
                _ => Some(section.big_endian),
            };
            let Some(big_endian) = big_endian else {
                return Err(Stop::Fatal(
                    self.corrupt("bad section byte-order magic".into()),
                ));
            };
            let kind = read_u32(head, big_endian);
            let len = read_u32(&head[4..], big_endian) as usize;
            if !(12..=MAX_RECORD).contains(&len) {
                let what = format!("block length {len} is outside 12..={MAX_RECORD}");
                return Err(Stop::Fatal(self.corrupt(what)));
            }
            if !self.fill(len)? {
                return self.end_or_truncated(len);
            }
            if is_packet(kind) {
                self.packets += 1;
            }
            let start = self.start;
            let Layout::Ng(section) = &mut self.layout else {
                return Ok(None);
            };
            let found = match section.block(kind, &self.buf[start..start + len]) {
                Ok(Some(p)) => {
                    let at = p.data.as_ptr() as usize - self.buf.as_ptr() as usize;
                    // A simple packet block has no timestamp: keep the previous packet's.
                    let ts = p.ts.unwrap_or(self.last_ts);
                    Some(Found {
                        ts,
                        linktype: p.linktype,
                        data: at..at + p.data.len(),
                        orig_len: p.orig_len,
                    })
                }
                Ok(None) => {
                    // Secrets are learnt before the packets after them are handed out.
                    if !section.secrets.is_empty() {
                        let text = std::mem::take(&mut section.secrets);
                        self.learn(&text);
                    }
                    None
                }
                Err(BlockError::Packet(what)) => {
                    let e = corrupt(self.packets, self.offset, what);
                    self.skip(len);
                    return Err(Stop::Skip(e));
                }
                Err(BlockError::Fatal(what)) => {
                    return Err(Stop::Fatal(corrupt(self.packets + 1, self.offset, what)));
                }
            };
            self.skip(len);
            if found.is_some() {
                return Ok(found);
            }
        }
    }
}
