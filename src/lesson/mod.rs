//! Lessons: the file format, its checks, the runner that plays a lesson against the built-in
//! server, and the learner's progress.

/// A line on stdout (see `say::to_stdout`).
macro_rules! say {
    ($($arg:tt)*) => { $crate::lesson::say::to_stdout(format_args!($($arg)*), true) };
}

/// Text on stdout with no line end, flushed (a prompt).
macro_rules! say_part {
    ($($arg:tt)*) => { $crate::lesson::say::to_stdout(format_args!($($arg)*), false) };
}

pub mod answer;
pub mod builtin;
pub mod check;
pub mod diag;
pub mod glossary;
pub mod learn;
pub mod load;
pub mod markdown;
pub mod model;
mod plain_words;
mod play;
mod play_task;
pub mod progress;
pub mod recap;
pub mod run;
mod say;
pub mod task_words;
pub mod transcript;
pub mod wrap;

#[cfg(test)]
mod layers_test;
