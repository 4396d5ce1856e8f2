//! `duplex check [PATH...]`: load lesson files, print every problem, count them.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use super::load::{Catalog, load_paths};

/// Prints every problem to `err`, then `N lessons, M problems`. True when there were none.
pub fn report(cat: &Catalog, err: &mut impl Write) -> bool {
    for p in &cat.problems {
        let _ = writeln!(err, "{p}");
    }
    let n = cat.lessons.len();
    let m = cat.problems.len();
    let _ = writeln!(
        err,
        "{n} lesson{}, {m} problem{}",
        if n == 1 { "" } else { "s" },
        if m == 1 { "" } else { "s" }
    );
    m == 0
}

/// The static check; `run` also plays each lesson against the built-in server, each lesson in
/// at most `budget`.
pub fn check(paths: &[PathBuf], run: bool, budget: std::time::Duration) -> ExitCode {
    let cat = load_paths(paths);
    let ok = report(&cat, &mut std::io::stderr());
    if !ok {
        return ExitCode::FAILURE;
    }
    if run {
        eprintln!("Playing every lesson against a fresh built-in server:");
        if !super::learn::check_run(&cat.lessons, budget) {
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
