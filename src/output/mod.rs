//! What duplex writes: the JSON event lines, the plain transcript, the summary, and captures.

pub mod capture_writer;
pub mod json;
mod json_line;
mod json_num;
pub mod plain;
pub mod plain_detail;
pub mod plain_hold;
mod plain_tls;
pub mod stranger;
pub mod summary;
pub mod synth;
pub mod ws_encode;

pub use capture_writer::{CaptureWriter, Format, WriterClose};
#[cfg(test)]
mod json_line_memo_tests;
#[cfg(test)]
mod json_line_tests;
#[cfg(test)]
mod plain_tls_tests;
#[cfg(test)]
mod sse_tests;
#[cfg(test)]
mod zh_tests;
