//! Sources of bytes: capture files, and (later) live sockets.

pub mod packet;
pub mod pcap;
pub mod reassembly;
