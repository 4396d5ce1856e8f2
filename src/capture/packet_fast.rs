//! The common packets read at fixed offsets: untagged Ethernet, then IPv4 without options and
//! not a fragment, or IPv6 without extension headers, whole in the capture, and TCP with a sane
//! header. Anything else is `None`, for the general path, which gives the same segment for these
//! packets (`tests/replay_fast_paths.rs` compares them on every shipped capture).

use std::net::{IpAddr, SocketAddr};

use super::TcpSegment;

#[inline(always)]
pub(super) fn ethernet_tcp(data: &[u8]) -> Option<TcpSegment<'_>> {
    match data.get(12..14)? {
        [0x08, 0x00] => ipv4(data),
        [0x86, 0xdd] => ipv6(data),
        _ => None,
    }
}

/// IPv4 without options, not a fragment, whole in the capture.
#[inline(always)]
fn ipv4(data: &[u8]) -> Option<TcpSegment<'_>> {
    let ip = data.get(14..34)?;
    if ip[0] != 0x45 || ip[9] != 6 {
        return None;
    }
    let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
    // Any fragment (MF set or an offset): the general path says what to do with it.
    if ip[6] & 0x3f != 0 || ip[7] != 0 || total < 40 || 14 + total > data.len() {
        return None;
    }
    let tcp = &data[34..14 + total];
    let addr = |at: usize| IpAddr::from([data[at], data[at + 1], data[at + 2], data[at + 3]]);
    segment(addr(26), addr(30), tcp)
}

/// IPv6 with TCP as the next header (no extension header), whole in the capture.
#[inline]
fn ipv6(data: &[u8]) -> Option<TcpSegment<'_>> {
    let ip = data.get(14..54)?;
    if ip[0] >> 4 != 6 || ip[6] != 6 {
        return None;
    }
    let len = usize::from(u16::from_be_bytes([ip[4], ip[5]]));
    // A zero length (a jumbogram's) is left to the general path.
    if len < 20 || 54 + len > data.len() {
        return None;
    }
    let addr = |at: usize| {
        let b: [u8; 16] = data[at..at + 16].try_into().unwrap_or_default();
        IpAddr::from(b)
    };
    segment(addr(22), addr(38), &data[54..54 + len])
}

/// The TCP header at the start of `tcp`, when its length is sane.
#[inline(always)]
fn segment(src: IpAddr, dst: IpAddr, tcp: &[u8]) -> Option<TcpSegment<'_>> {
    let header = usize::from(tcp[12] >> 4) * 4;
    if header < 20 || header > tcp.len() {
        return None;
    }
    let port = |at: usize| u16::from_be_bytes([tcp[at], tcp[at + 1]]);
    let flags = tcp[13];
    Some(TcpSegment {
        src: SocketAddr::new(src, port(0)),
        dst: SocketAddr::new(dst, port(2)),
        seq: u32::from_be_bytes([tcp[4], tcp[5], tcp[6], tcp[7]]),
        ack: u32::from_be_bytes([tcp[8], tcp[9], tcp[10], tcp[11]]),
        syn: flags & 0x02 != 0,
        ack_flag: flags & 0x10 != 0,
        fin: flags & 0x01 != 0,
        rst: flags & 0x04 != 0,
        payload: &tcp[header..],
        truncated: false,
    })
}

#[cfg(test)]
mod tests {
    use super::super::parse_tcp_general;
    use super::*;

    /// Ethernet, IPv6 (next header `next`, payload length `len`), TCP with 4 payload bytes,
    /// then `pad` bytes of link padding.
    fn ipv6_packet(next: u8, len: u16, pad: usize) -> Vec<u8> {
        let mut p = vec![0; 12];
        p.extend_from_slice(&[0x86, 0xdd, 0x60, 0, 0, 0]);
        p.extend_from_slice(&len.to_be_bytes());
        p.extend_from_slice(&[next, 64]);
        p.extend((0..32).map(|i| i as u8 * 3));
        p.extend_from_slice(&[0x9c, 0x40, 0x1f, 0x90, 0, 0, 0, 9, 0, 0, 0, 5, 0x50, 0x18]);
        p.extend_from_slice(&[0xff, 0xff, 0, 0, 0, 0]);
        p.extend_from_slice(b"ping");
        p.extend(std::iter::repeat_n(0xee, pad));
        p
    }

    #[test]
    fn ipv6_tcp_is_read_as_the_general_path_reads_it() {
        for pad in [0, 6] {
            let p = ipv6_packet(6, 24, pad);
            let fast = ethernet_tcp(&p).expect("the fast path takes it");
            assert_eq!(Some(fast), parse_tcp_general(1, &p).unwrap());
            assert_eq!(fast.payload, b"ping");
            assert_eq!(
                fast.src.to_string(),
                "[3:609:c0f:1215:181b:1e21:2427:2a2d]:40000"
            );
        }
        // An extension header, a jumbogram's zero length, a cut packet: the general path's.
        for p in [
            ipv6_packet(0, 24, 0),
            ipv6_packet(6, 0, 0),
            ipv6_packet(6, 30, 0),
        ] {
            assert_eq!(ethernet_tcp(&p), None);
        }
    }
}
