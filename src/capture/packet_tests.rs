//! Link, IP and TCP parsing on hand-built packets, and the errors that name the layer.

use super::*;
use etherparse::{
    IpHeaders, Ipv6Extensions, Ipv6FragmentHeader, Ipv6Header, Ipv6RawExtHeader, PacketBuilder,
};

const PAYLOAD: &[u8] = b"GET / HTTP/1.1\r\n\r\n";

/// An IPv4 TCP packet (no link header) from 10.0.0.1:40000 to 10.0.0.2:80.
fn ipv4_tcp(payload: &[u8]) -> Vec<u8> {
    let builder = PacketBuilder::ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
        .tcp(40000, 80, 1000, 65535)
        .ack(77)
        .psh();
    let mut out = Vec::new();
    builder.write(&mut out, payload).unwrap();
    out
}

fn ipv6_tcp(payload: &[u8]) -> Vec<u8> {
    let builder = PacketBuilder::ipv6([0xfe; 16], [0xfd; 16], 64)
        .tcp(40000, 443, 5, 100)
        .syn();
    let mut out = Vec::new();
    builder.write(&mut out, payload).unwrap();
    out
}

fn with_link(link: &[u8], ip: &[u8]) -> Vec<u8> {
    [link, ip].concat()
}

fn check_v4(seg: TcpSegment<'_>) {
    assert_eq!(seg.src, "10.0.0.1:40000".parse().unwrap());
    assert_eq!(seg.dst, "10.0.0.2:80".parse().unwrap());
    assert_eq!((seg.seq, seg.ack), (1000, 77));
    assert!(seg.ack_flag && !seg.syn && !seg.fin && !seg.rst && !seg.truncated);
    assert_eq!(seg.payload, PAYLOAD);
}

#[test]
fn ethernet_ipv4() {
    let mut eth = vec![0u8; 12];
    eth.extend_from_slice(&[0x08, 0x00]);
    let pkt = with_link(&eth, &ipv4_tcp(PAYLOAD));
    check_v4(parse_tcp(1, &pkt).unwrap().unwrap());
}

#[test]
fn ethernet_padding_is_not_payload() {
    let mut eth = vec![0u8; 12];
    eth.extend_from_slice(&[0x08, 0x00]);
    // Empty ACK: 14 + 40 = 54 bytes, padded to the 60-byte Ethernet minimum.
    let mut pkt = with_link(&eth, &ipv4_tcp(b""));
    pkt.resize(60, 0xee);
    let seg = parse_tcp(1, &pkt).unwrap().unwrap();
    assert!(seg.payload.is_empty());
}

#[test]
fn ethernet_vlan_tags() {
    let mut eth = vec![0u8; 12];
    // 802.1ad outer tag, 802.1Q inner tag, then IPv6.
    eth.extend_from_slice(&[0x88, 0xa8, 0x00, 0x05, 0x81, 0x00, 0x00, 0x07, 0x86, 0xdd]);
    let pkt = with_link(&eth, &ipv6_tcp(b"hi"));
    let seg = parse_tcp(1, &pkt).unwrap().unwrap();
    assert_eq!(seg.dst.port(), 443);
    assert!(seg.syn && !seg.ack_flag);
    assert_eq!(seg.payload, b"hi");
}

#[test]
fn linux_sll_and_sll2() {
    let mut sll = vec![0u8; 14];
    sll.extend_from_slice(&[0x08, 0x00]);
    check_v4(
        parse_tcp(113, &with_link(&sll, &ipv4_tcp(PAYLOAD)))
            .unwrap()
            .unwrap(),
    );

    let mut sll2 = vec![0x86, 0xdd];
    sll2.resize(20, 0);
    let pkt = with_link(&sll2, &ipv6_tcp(b"x"));
    let seg = parse_tcp(276, &pkt).unwrap().unwrap();
    assert_eq!(
        seg.src,
        "[fefe:fefe:fefe:fefe:fefe:fefe:fefe:fefe]:40000"
            .parse()
            .unwrap()
    );
}

#[test]
fn bsd_null_and_loop_both_byte_orders() {
    let v4 = ipv4_tcp(PAYLOAD);
    for link in [[2, 0, 0, 0], [0, 0, 0, 2]] {
        check_v4(parse_tcp(0, &with_link(&link, &v4)).unwrap().unwrap());
        check_v4(parse_tcp(108, &with_link(&link, &v4)).unwrap().unwrap());
    }
    for family in [24u32, 28, 30] {
        for link in [family.to_le_bytes(), family.to_be_bytes()] {
            let pkt = with_link(&link, &ipv6_tcp(b"6"));
            let seg = parse_tcp(0, &pkt).unwrap().unwrap();
            assert_eq!(seg.payload, b"6");
        }
    }
    // AF 7 (OSI): not IP.
    assert_eq!(parse_tcp(0, &with_link(&[7, 0, 0, 0], &v4)).unwrap(), None);
}

#[test]
fn raw_ip() {
    for lt in [101, 12, 14, 228] {
        check_v4(parse_tcp(lt, &ipv4_tcp(PAYLOAD)).unwrap().unwrap());
    }
    for lt in [101, 229] {
        assert_eq!(
            parse_tcp(lt, &ipv6_tcp(b"z")).unwrap().unwrap().payload,
            b"z"
        );
    }
}

#[test]
fn ipv6_extension_headers_are_skipped() {
    let exts = Ipv6Extensions {
        destination_options: Some(Ipv6RawExtHeader::new_raw(0.into(), &[0; 6]).unwrap()),
        ..Default::default()
    };
    let header = Ipv6Header {
        hop_limit: 9,
        source: [1; 16],
        destination: [2; 16],
        ..Default::default()
    };
    let builder = PacketBuilder::ip(IpHeaders::Ipv6(header, exts)).tcp(1, 2, 3, 4);
    let mut pkt = Vec::new();
    builder.write(&mut pkt, b"ext").unwrap();
    assert_eq!(parse_tcp(101, &pkt).unwrap().unwrap().payload, b"ext");
}

#[test]
fn fragments_and_other_protocols_are_not_tcp() {
    let fragment = Ipv6FragmentHeader::new(0.into(), 0.try_into().unwrap(), true, 1);
    let exts = Ipv6Extensions {
        fragment: Some(fragment),
        ..Default::default()
    };
    let header = Ipv6Header {
        source: [1; 16],
        destination: [2; 16],
        ..Default::default()
    };
    let mut pkt = Vec::new();
    PacketBuilder::ip(IpHeaders::Ipv6(header, exts))
        .tcp(1, 2, 3, 4)
        .write(&mut pkt, b"frag")
        .unwrap();
    assert_eq!(parse_tcp(101, &pkt).unwrap(), None);

    let mut udp = Vec::new();
    PacketBuilder::ipv4([1, 1, 1, 1], [2, 2, 2, 2], 1)
        .udp(53, 53)
        .write(&mut udp, b"dns")
        .unwrap();
    assert_eq!(parse_tcp(101, &udp).unwrap(), None);

    let mut arp = vec![0u8; 12];
    arp.extend_from_slice(&[0x08, 0x06]);
    arp.resize(42, 0);
    assert_eq!(parse_tcp(1, &arp).unwrap(), None);
}

#[test]
fn snapped_packet_is_flagged() {
    let pkt = ipv4_tcp(PAYLOAD);
    let seg = parse_tcp(101, &pkt[..pkt.len() - 5]).unwrap().unwrap();
    assert!(seg.truncated);
    assert_eq!(seg.payload, &PAYLOAD[..PAYLOAD.len() - 5]);
}

#[test]
fn errors_name_the_layer_and_offset() {
    assert!(matches!(
        parse_tcp(147, &[0; 60]),
        Err(PacketError::UnsupportedLinkType(147))
    ));
    assert!(matches!(
        parse_tcp(1, &[0; 10]),
        Err(PacketError::LinkTooShort {
            layer: "Ethernet",
            need: 14,
            have: 10
        })
    ));
    assert!(matches!(
        parse_tcp(276, &[0x08, 0, 0]),
        Err(PacketError::LinkTooShort { need: 20, .. })
    ));
    // IP version 5.
    assert!(matches!(
        parse_tcp(101, &[0x50; 40]),
        Err(PacketError::Ip(_))
    ));
    // TCP header cut after 10 bytes: the offset counts from the start of the packet.
    let mut eth = vec![0u8; 12];
    eth.extend_from_slice(&[0x08, 0x00]);
    let pkt = with_link(&eth, &ipv4_tcp(b""));
    let Err(PacketError::Tcp(tcp::HeaderSliceError::Len(e))) = parse_tcp(1, &pkt[..14 + 30]) else {
        panic!("expected a TCP length error");
    };
    assert_eq!(e.layer_start_offset, 34);
}

#[test]
fn no_panic_on_any_short_input() {
    let v4 = ipv4_tcp(PAYLOAD);
    for lt in [0, 1, 12, 14, 101, 108, 113, 228, 229, 276] {
        let mut link = vec![0u8; 20];
        link[12] = 0x08;
        link[14] = 0x08;
        link[0] = 0x08;
        let pkt = with_link(&link, &v4);
        for cut in 0..pkt.len() {
            let _ = parse_tcp(lt, &pkt[..cut]);
        }
    }
}
