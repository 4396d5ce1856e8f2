//! `duplex check [PATH...]`: load lesson files, print every problem, count them.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use super::load::{Catalog, load_paths};

/// Prints every problem, then every warning, to `err`, then `N lessons, M problems` (and `, W
/// warnings` when there are some). True when there were no problems: warnings do not fail.
pub fn report(cat: &Catalog, err: &mut impl Write) -> bool {
    for p in &cat.problems {
        let _ = writeln!(err, "{p}");
    }
    for w in &cat.warnings {
        let _ = writeln!(err, "{w}");
    }
    let n = cat.lessons.len();
    let m = cat.problems.len();
    let w = cat.warnings.len();
    // Warnings (translations) are counted only when there are some: the usual line stays.
    let warned = match w {
        0 => String::new(),
        1 => ", 1 warning".to_string(),
        _ => format!(", {w} warnings"),
    };
    let _ = writeln!(
        err,
        "{n} lesson{}, {m} problem{}{warned}",
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
