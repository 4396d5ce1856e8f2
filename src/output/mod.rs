//! Ways out of the program: synthesized captures for Wireshark and the benchmark.

pub mod capture_writer;
pub mod synth;
pub mod ws_encode;

pub use capture_writer::{CaptureWriter, Format, WriterClose};
