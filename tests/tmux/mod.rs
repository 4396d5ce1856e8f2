//! duplex in a real terminal: a tmux session of a chosen size, driven by keys and read back with
//! `capture-pane`. Tests that use it print SKIP when tmux is missing.

#![allow(dead_code)]

use std::path::Path;
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// No wait lasts longer than this.
pub const BOUND: Duration = Duration::from_secs(15);

/// tmux on a socket of the tests' own, so a tmux server someone else runs is never touched.
pub fn tmux() -> Command {
    let mut c = Command::new("tmux");
    c.args(["-L", "duplex-tests"]);
    c
}

/// One tmux session, killed when the test ends however it ends.
pub struct Tmux {
    pub name: String,
}

impl Tmux {
    /// Starts `duplex` with no command in a 100x30 pane; `DONE-<exit code>` follows it there.
    /// Progress is saved in `data` (never the learner's own), the built-in course alone.
    pub fn start(name: &str, data: &Path) -> Tmux {
        Tmux::start_with(name, data, (100, 30), &[])
    }

    /// `duplex ARGS...` in a `w`x`h` pane, progress in `data`, `DUPLEX_LESSONS` unset.
    pub fn start_with(name: &str, data: &Path, size: (u16, u16), args: &[&str]) -> Tmux {
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        Tmux::start_in(name, data, size, args, here, "")
    }

    /// As [`Tmux::start_with`], in directory `cwd`, with `env` (`NAME=value ...`) set too.
    pub fn start_in(
        name: &str,
        data: &Path,
        (w, h): (u16, u16),
        args: &[&str],
        cwd: &Path,
        env: &str,
    ) -> Tmux {
        let bin = env!("CARGO_BIN_EXE_duplex");
        let args: String = args.iter().map(|a| format!(" '{a}'")).collect();
        let script = format!(
            "env -u DUPLEX_LESSONS DUPLEX_LANG=en DUPLEX_DATA_DIR='{}' {env} '{bin}'{args}; echo DONE-$?; exec sleep 60",
            data.display()
        );
        let ok = tmux()
            .args(["new-session", "-d", "-s", name])
            .args(["-x", &w.to_string(), "-y", &h.to_string()])
            .args(["-c", &cwd.display().to_string()])
            .args(["sh", "-c", &script])
            .env("TERM", "xterm-256color")
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "tmux new-session failed");
        Tmux {
            name: name.to_string(),
        }
    }

    pub fn keys(&self, keys: &[&str]) {
        let ok = tmux()
            .args(["send-keys", "-t", &self.name])
            .args(keys)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "tmux send-keys {keys:?} failed");
    }

    /// Types `text` literally.
    pub fn type_text(&self, text: &str) {
        self.keys(&["-l", text]);
    }

    /// A tmux format (`#{pane_title}`) for this pane.
    pub fn display(&self, format: &str) -> String {
        tmux()
            .args(["display", "-p", "-t", &self.name, format])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    }

    /// The screen with its attributes as escape sequences (`capture-pane -e`).
    pub fn screen_styled(&self) -> String {
        tmux()
            .args(["capture-pane", "-p", "-e", "-t", &self.name])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }

    pub fn screen(&self) -> String {
        tmux()
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }

    /// Polls the pane until `pred` holds; fails with the last screen after [`BOUND`].
    pub fn wait(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        self.wait_at_most(what, BOUND, pred)
    }

    /// Polls the pane until `pred` holds; fails with the last screen after `bound`.
    pub fn wait_at_most(&self, what: &str, bound: Duration, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(
                start.elapsed() < bound,
                "waited {bound:?} for {what}; the screen:\n{s}"
            );
            sleep(Duration::from_millis(50));
        }
    }

    pub fn wait_for(&self, text: &str) -> String {
        self.wait(text, |s| s.contains(text))
    }

    /// The screen once a redraw has finished: a capture can land in the middle of one, so two
    /// captures a moment apart must agree (a live screen changes a few times a second at most).
    pub fn settled(&self) -> String {
        let start = Instant::now();
        let mut last = self.screen();
        while start.elapsed() < Duration::from_secs(3) {
            sleep(Duration::from_millis(40));
            let now = self.screen();
            if now == last {
                return now;
            }
            last = now;
        }
        last
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = tmux().args(["kill-session", "-t", &self.name]).status();
    }
}

pub fn have_tmux() -> bool {
    tmux().arg("-V").output().is_ok_and(|o| o.status.success())
}
