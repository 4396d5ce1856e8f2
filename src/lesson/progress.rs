//! The learner's progress: finished steps and answers, per lesson, and the numbers measured on
//! the learner's own traffic for the interview recap, in one JSON file in the platform's data
//! directory. Fields added later have defaults, so older files still load. Written to a temporary file and renamed over the old one, so a
//! crash leaves either the old progress or the new, never half of one.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

const FILE: &str = "progress.json";

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    #[serde(default)]
    pub lessons: BTreeMap<String, LessonProgress>,
    /// What the recap quotes (`http10`, `upgrade`, ...), as measured when a step ran.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub measured: BTreeMap<String, Measured>,
}

/// One number (or small set of numbers) of the recap, and where it was measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    pub value: serde_json::Value,
    pub lesson: String,
    pub step: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LessonProgress {
    /// Ids of the steps finished, in the order first finished.
    #[serde(default)]
    pub steps: Vec<String>,
    /// `step/question-number` → the learner's answer and whether it was right.
    #[serde(default)]
    pub answers: BTreeMap<String, Answer>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub given: String,
    pub correct: bool,
}

impl Progress {
    pub fn step_done(&mut self, lesson: &str, step: &str) {
        let l = self.lessons.entry(lesson.to_owned()).or_default();
        if !l.steps.iter().any(|s| s == step) {
            l.steps.push(step.to_owned());
        }
    }

    pub fn answered(&mut self, lesson: &str, key: String, given: String, correct: bool) {
        let l = self.lessons.entry(lesson.to_owned()).or_default();
        l.answers.insert(key, Answer { given, correct });
    }

    /// Answers right and answers given in `lesson` (the last answer to each question).
    pub fn score(&self, lesson: &str) -> (usize, usize) {
        self.lessons.get(lesson).map_or((0, 0), |l| {
            let right = l.answers.values().filter(|a| a.correct).count();
            (right, l.answers.len())
        })
    }

    /// A mark readable without colour: `✓` every step done and each of its `questions` answered
    /// right, `!` every step done with answers to review (wrong or missing), `◐` begun, `·` not
    /// started.
    pub fn mark(&self, lesson: &str, steps: &[&str], questions: usize) -> &'static str {
        let done = self.done(lesson, steps);
        let (right, _) = self.score(lesson);
        match done {
            0 => "·",
            d if d < steps.len() => "◐",
            _ if right < questions => "!",
            _ => "✓",
        }
    }

    /// How many of `steps` are finished.
    pub fn done(&self, lesson: &str, steps: &[&str]) -> usize {
        self.lessons.get(lesson).map_or(0, |l| {
            steps
                .iter()
                .filter(|s| l.steps.iter().any(|d| d == *s))
                .count()
        })
    }
}

/// The directory duplex keeps its data in: `DUPLEX_DATA_DIR`, else the platform's place
/// (`$XDG_DATA_HOME/duplex` or `~/.local/share/duplex`, `~/Library/Application Support/duplex`,
/// `%APPDATA%\duplex`).
pub fn data_dir() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(d) = env("DUPLEX_DATA_DIR") {
        return Some(d);
    }
    if cfg!(windows) {
        return env("APPDATA").map(|d| d.join("duplex"));
    }
    if cfg!(target_os = "macos") {
        return env("HOME").map(|h| h.join("Library/Application Support/duplex"));
    }
    env("XDG_DATA_HOME")
        .or_else(|| env("HOME").map(|h| h.join(".local/share")))
        .map(|d| d.join("duplex"))
}

#[derive(Debug, thiserror::Error)]
pub enum ProgressError {
    #[error("no data directory: set DUPLEX_DATA_DIR or HOME")]
    NoDir,
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
    #[error(
        "{path}: not a progress file ({source}); move it away or run `duplex progress --reset`"
    )]
    Corrupt {
        path: String,
        source: serde_json::Error,
    },
}

pub struct Store {
    dir: PathBuf,
}

impl Store {
    pub fn open() -> Result<Store, ProgressError> {
        data_dir().map(Store::at).ok_or(ProgressError::NoDir)
    }

    pub fn at(dir: PathBuf) -> Store {
        Store { dir }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE)
    }

    /// The saved progress; none saved yet is empty progress.
    pub fn load(&self) -> Result<Progress, ProgressError> {
        let path = self.path();
        let text = match fs::read(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Progress::default()),
            Err(source) => return Err(io_err(&path, source)),
        };
        serde_json::from_slice(&text).map_err(|source| ProgressError::Corrupt {
            path: path.display().to_string(),
            source,
        })
    }

    /// Replaces the saved progress with `p`, atomically.
    pub fn save(&self, p: &Progress) -> Result<(), ProgressError> {
        fs::create_dir_all(&self.dir).map_err(|e| io_err(&self.dir, e))?;
        let path = self.path();
        let tmp = self.dir.join(format!(".{FILE}.{}.tmp", std::process::id()));
        let write = || -> io::Result<()> {
            let mut f = fs::File::create(&tmp)?;
            let json = serde_json::to_vec_pretty(p).map_err(io::Error::other)?;
            f.write_all(&json)?;
            f.write_all(b"\n")?;
            f.sync_all()?;
            fs::rename(&tmp, &path)?;
            // The rename itself must reach the disk too.
            if let Ok(d) = fs::File::open(&self.dir) {
                let _ = d.sync_all();
            }
            Ok(())
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&tmp);
            io_err(&path, e)
        })
    }

    /// Forgets everything; true when there was something to forget.
    pub fn reset(&self) -> Result<bool, ProgressError> {
        let path = self.path();
        match fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io_err(&path, e)),
        }
    }
}

fn io_err(path: &Path, source: io::Error) -> ProgressError {
    ProgressError::Io {
        path: path.display().to_string(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_loads_and_resets() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path().join("nested"));
        assert_eq!(store.load().unwrap(), Progress::default());
        let mut p = Progress::default();
        p.step_done("ws-upgrade", "ask");
        p.step_done("ws-upgrade", "ask");
        p.answered("ws-upgrade", "ask/1".into(), "2".into(), true);
        store.save(&p).unwrap();
        assert_eq!(store.load().unwrap(), p);
        assert_eq!(p.done("ws-upgrade", &["ask", "other"]), 1);
        // No temporary file is left behind.
        let names: Vec<_> = fs::read_dir(dir.path().join("nested"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [std::ffi::OsString::from(FILE)]);
        assert!(store.reset().unwrap());
        assert!(!store.reset().unwrap());
        assert_eq!(store.load().unwrap(), Progress::default());
    }

    #[test]
    fn a_file_from_before_the_recap_loads_and_the_numbers_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path().to_owned());
        let old = r#"{ "lessons": { "http10": { "steps": ["ten-requests"],
            "answers": { "ten-requests/1": { "given": "1", "correct": false } } } } }"#;
        fs::write(store.path(), old).unwrap();
        let mut p = store.load().unwrap();
        assert_eq!(p.done("http10", &["ten-requests"]), 1);
        assert!(p.measured.is_empty());
        assert_eq!(p.score("http10"), (0, 1));
        assert_eq!(p.mark("http10", &["ten-requests"], 1), "!");
        assert_eq!(p.mark("http10", &["ten-requests", "more"], 1), "◐");
        assert_eq!(p.mark("other", &["a"], 1), "·");
        p.answered("http10", "ten-requests/1".into(), "2".into(), true);
        assert_eq!(p.mark("http10", &["ten-requests"], 1), "✓");
        // A question never answered leaves the lesson to review.
        assert_eq!(p.mark("http10", &["ten-requests"], 2), "!");
        p.measured.insert(
            "http10".into(),
            Measured {
                value: serde_json::json!({ "requests": 10, "connections": 10 }),
                lesson: "http10".into(),
                step: "ten-requests".into(),
            },
        );
        store.save(&p).unwrap();
        assert_eq!(store.load().unwrap(), p);
    }

    #[test]
    fn a_corrupt_file_is_named_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path().to_owned());
        fs::write(store.path(), b"{ half").unwrap();
        let e = store.load().unwrap_err().to_string();
        assert!(e.contains("progress.json") && e.contains("--reset"), "{e}");
        assert_eq!(fs::read(store.path()).unwrap(), b"{ half");
    }
}
