//! Headless Chromium loading one page and printing the DOM it built (`--dump-dom`), killed
//! with its whole process group and its profile removed when dropped.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";

pub struct Browser {
    child: Child,
    profile: PathBuf,
    dom: Option<JoinHandle<String>>,
}

impl Browser {
    /// Whether Chromium is installed; says the test is skipped when it is not.
    pub fn installed() -> bool {
        let there = Path::new(CHROMIUM).exists();
        if !there {
            eprintln!("note: {CHROMIUM} is not installed; skipping the browser test");
        }
        there
    }

    /// Opens `url` with a fresh profile in `profile`, `extra` flags added; the DOM is printed
    /// once the page's virtual-time budget (3 s) is spent.
    pub fn open(url: &str, profile: PathBuf, extra: &[String]) -> Browser {
        std::fs::create_dir_all(&profile).unwrap();
        let mut child = Command::new(CHROMIUM)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--virtual-time-budget=3000",
                "--dump-dom",
            ])
            .args(extra)
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(url)
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromium");
        let mut out = child.stdout.take().unwrap();
        let dom = thread::spawn(move || {
            let mut dom = String::new();
            let _ = out.read_to_string(&mut dom);
            dom
        });
        Browser {
            child,
            profile,
            dom: Some(dom),
        }
    }

    /// Waits for the browser to end (30 s at most, then it is killed): the DOM it printed.
    pub fn dom(mut self) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.child.try_wait().unwrap().is_none() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(50));
        }
        let dom = self.dom.take().unwrap();
        drop(self);
        dom.join().unwrap()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
