//! What duplex writes: the JSON event lines, the plain transcript, the summary.

pub mod json;
pub mod plain;
pub mod summary;
