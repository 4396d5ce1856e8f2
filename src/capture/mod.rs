//! Sources of bytes: capture files (pure), and the live tap on the server's sockets.

mod flow_table;
pub mod mapped;
pub mod packet;
pub mod pcap;
pub mod prefetch;
pub mod reassembly;
pub mod reorder;
pub mod tap;
pub mod tap_queue;
