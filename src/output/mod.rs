//! Ways out of the program: synthesized captures for Wireshark and the benchmark.

pub mod capture_writer;
pub mod synth;

pub use capture_writer::{CaptureWriter, Format, WriterClose};
