//! Lessons: the file format, its checks, the runner that plays a lesson against the built-in
//! server, and the learner's progress.

pub mod builtin;
pub mod check;
pub mod diag;
pub mod load;
pub mod markdown;
pub mod model;
pub mod progress;
pub mod run;
