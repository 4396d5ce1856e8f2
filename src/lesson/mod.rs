//! Lessons: the file format, its checks, the runner that plays a lesson against the built-in
//! server, and the learner's progress.

pub mod model;
pub mod progress;
pub mod run;
