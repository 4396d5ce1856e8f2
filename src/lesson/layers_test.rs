//! The lesson layer is headless: the command layer picks the transcript or the terminal UI, so
//! nothing under `src/lesson/` reaches up into the UI (`crate::app`, `crate::ui`) or draws.

use std::path::Path;

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir)
        .expect("src/lesson is readable")
        .flatten()
    {
        let p = e.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn nothing_under_src_lesson_imports_the_ui() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lesson");
    let mut files = Vec::new();
    sources(&dir, &mut files);
    assert!(
        files.len() > 10,
        "{} files under {}",
        files.len(),
        dir.display()
    );
    let banned = [
        "crate::app",
        "crate::ui",
        "duplex::app",
        "ratatui",
        "crossterm",
    ];
    let mut found = Vec::new();
    for f in &files {
        if f.ends_with("layers_test.rs") {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            if banned.iter().any(|b| line.contains(b)) {
                found.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "the lesson layer reaches up:\n{}",
        found.join("\n")
    );
}
