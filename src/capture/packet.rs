//! Link, IP and TCP headers of one captured packet → a TCP segment. Pure: no I/O.
//!
//! Link headers are read by hand (a few fixed offsets); IPv4, IPv6 with its extension headers,
//! and TCP are read by etherparse's lax slicers, which take the IP length field over the
//! captured length (so Ethernet padding is not payload) and accept packets the capture snapped.

use std::net::SocketAddr;

use etherparse::err::{ip::LaxHeaderSliceError, ipv6_exts, tcp};
use etherparse::{IpNumber, LaxIpSlice, TcpSlice};

/// One TCP segment, borrowing its payload from the packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpSegment<'a> {
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub seq: u32,
    pub ack: u32,
    pub syn: bool,
    pub ack_flag: bool,
    pub fin: bool,
    pub rst: bool,
    pub payload: &'a [u8],
    /// The capture kept less than the IP header announces: `payload` is only the first part.
    pub truncated: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum PacketError {
    #[error(
        "link type {0} is not supported (Ethernet, Linux SLL/SLL2, BSD loopback and raw IP are)"
    )]
    UnsupportedLinkType(i32),
    #[error("{layer} header cut short: {need} bytes needed, {have} present")]
    LinkTooShort {
        layer: &'static str,
        need: usize,
        have: usize,
    },
    #[error("{0}")]
    Ip(LaxHeaderSliceError),
    #[error("{0}")]
    IpExtension(ipv6_exts::HeaderSliceError),
    #[error("{0}")]
    Tcp(tcp::HeaderSliceError),
}

#[path = "packet_fast.rs"]
mod fast;

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;

/// Reads the TCP segment in one captured packet.
///
/// `Ok(None)` when the packet carries no TCP: other protocols (ARP, UDP, ICMP...), and IP
/// fragments, which are not reassembled (TCP stacks avoid fragmentation, and a fragment's
/// TCP header may not even be in it).
pub fn parse_tcp(linktype: i32, data: &[u8]) -> Result<Option<TcpSegment<'_>>, PacketError> {
    with_tcp(linktype, data, |seg| *seg)
}

/// As [`parse_tcp`], handing the segment to `on`: the common packet's segment is built where
/// `on` reads it. Returned through memory, it was copied with wide loads that the narrow stores
/// building it could not be forwarded to (a stall on every packet).
#[inline(always)]
pub fn with_tcp<'a, T>(
    linktype: i32,
    data: &'a [u8],
    on: impl FnOnce(&TcpSegment<'a>) -> T,
) -> Result<Option<T>, PacketError> {
    if linktype == 1
        && let Some(seg) = fast::ethernet_tcp(data)
    {
        return Ok(Some(on(&seg)));
    }
    Ok(parse_tcp_general(linktype, data)?.map(|seg| on(&seg)))
}

/// Every link type and IP version, through etherparse.
#[inline(never)]
pub fn parse_tcp_general(
    linktype: i32,
    data: &[u8],
) -> Result<Option<TcpSegment<'_>>, PacketError> {
    let Some(ip_start) = ip_offset(linktype, data)? else {
        return Ok(None);
    };
    let ip = &data[ip_start..];
    let (slice, ext_err) =
        LaxIpSlice::from_slice(ip).map_err(|e| PacketError::Ip(e.add_slice_offset(ip_start)))?;
    if let Some((e, _layer)) = ext_err {
        return Err(PacketError::IpExtension(e.add_slice_offset(ip_start)));
    }
    let payload = slice.payload();
    if payload.fragmented || payload.ip_number != IpNumber::TCP {
        return Ok(None);
    }
    let tcp_start = payload.payload.as_ptr() as usize - data.as_ptr() as usize;
    let tcp = TcpSlice::from_slice(payload.payload)
        .map_err(|e| PacketError::Tcp(e.add_slice_offset(tcp_start)))?;
    Ok(Some(TcpSegment {
        src: SocketAddr::new(slice.source_addr(), tcp.source_port()),
        dst: SocketAddr::new(slice.destination_addr(), tcp.destination_port()),
        seq: tcp.sequence_number(),
        ack: tcp.acknowledgment_number(),
        syn: tcp.syn(),
        ack_flag: tcp.ack(),
        fin: tcp.fin(),
        rst: tcp.rst(),
        payload: tcp.payload(),
        truncated: payload.incomplete,
    }))
}

/// Where the IP header starts, or None when the link layer carries something else.
fn ip_offset(linktype: i32, data: &[u8]) -> Result<Option<usize>, PacketError> {
    let ip = |ethertype: u16, at: usize| {
        matches!(ethertype, ETHERTYPE_IPV4 | ETHERTYPE_IPV6).then_some(at)
    };
    match linktype {
        // Ethernet, with any number (up to 4) of 802.1Q / 802.1ad tags.
        1 => {
            let mut at = 12;
            for _ in 0..5 {
                let ethertype = be16(data, at, "Ethernet")?;
                if !matches!(ethertype, 0x8100 | 0x88a8 | 0x9100) {
                    return Ok(ip(ethertype, at + 2));
                }
                at += 4;
            }
            Ok(None)
        }
        // Linux cooked capture v1: protocol at 14, header 16 bytes.
        113 => {
            need(data, 16, "Linux SLL")?;
            Ok(ip(be16(data, 14, "Linux SLL")?, 16))
        }
        // Linux cooked capture v2: protocol first, header 20 bytes.
        276 => {
            need(data, 20, "Linux SLL2")?;
            Ok(ip(be16(data, 0, "Linux SLL2")?, 20))
        }
        // BSD loopback: the address family in the capturing host's byte order (NULL) or in
        // network order (LOOP); files move between hosts, so accept both.
        0 | 108 => {
            need(data, 4, "loopback")?;
            let bytes = [data[0], data[1], data[2], data[3]];
            let family = |f: u32| matches!(f, 2 | 24 | 28 | 30);
            let is_ip = family(u32::from_le_bytes(bytes)) || family(u32::from_be_bytes(bytes));
            Ok(is_ip.then_some(4))
        }
        // Raw IP (the version nibble decides), IPv4 only, IPv6 only.
        101 | 12 | 14 | 228 | 229 => Ok(Some(0)),
        other => Err(PacketError::UnsupportedLinkType(other)),
    }
}

fn need(data: &[u8], len: usize, layer: &'static str) -> Result<(), PacketError> {
    if data.len() < len {
        return Err(PacketError::LinkTooShort {
            layer,
            need: len,
            have: data.len(),
        });
    }
    Ok(())
}

fn be16(data: &[u8], at: usize, layer: &'static str) -> Result<u16, PacketError> {
    need(data, at + 2, layer)?;
    Ok(u16::from_be_bytes([data[at], data[at + 1]]))
}

#[cfg(test)]
#[path = "packet_tests.rs"]
mod tests;
