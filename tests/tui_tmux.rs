//! The whole program in a real terminal: duplex under tmux at 100x30, driven by keys, read back
//! with `capture-pane`. Prints SKIP when tmux is missing.

use std::path::Path;
use std::process::Command;

mod tmux;

use tmux::{Tmux, have_tmux};

/// The picker's order: captures sorted by name (no directories in `assets/captures`).
fn picker_steps_to(file: &str) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/captures");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("assets/captures")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".pcap") || n.ends_with(".pcapng") || n.ends_with(".cap"))
        .collect();
    names.sort();
    names
        .iter()
        .position(|n| n == file)
        .expect("the capture ships")
}

/// Home → "Replay a capture" (the line above the sandbox, which is last).
fn open_replay(t: &Tmux, file: &str) {
    t.wait_for("Replay a capture");
    t.keys(&["G", "k", "Enter"]);
    t.wait_for("Replay a capture · ");
    for _ in 0..picker_steps_to(file) {
        t.keys(&["j"]);
    }
    t.keys(&["Enter"]);
    t.wait_for(&format!("Replay · {file}"));
    t.wait_for("indexed");
}

/// The token after `prefix` on the screen.
fn word_after<'a>(screen: &'a str, prefix: &str) -> Option<&'a str> {
    let at = screen.find(prefix)? + prefix.len();
    screen[at..].split_whitespace().next()
}

/// Home → the WebSocket upgrade lesson: run the upgrade, read the 101 and answer from it, run on
/// to the echoed frame, select the masked client frame and unmask it; progress is saved.
fn play_ws_upgrade(t: &Tmux, data: &Path) {
    let course = duplex::lesson::load::catalog(None);
    let n = course
        .lessons
        .iter()
        .position(|l| l.id == "ws-upgrade")
        .expect("the lesson is built in");
    for _ in 0..n {
        t.keys(&["j"]);
    }
    t.keys(&["Enter"]);
    t.wait_for(&format!("{} · The WebSocket upgrade", n + 1));
    t.wait_for("The client asks to switch");
    t.keys(&["Enter"]);
    // The views follow the step live: the 101 ends up selected and opened in the inspector.
    let s = t.wait_for("Press a to type your answer.");
    for text in [
        "step 1/6",
        "GET /ws/echo Upgrade",
        "Inspector: http_response s2c · 101 Switching Protocols",
        "upgrade: websocket",
        "(saw 1)",
    ] {
        assert!(s.contains(text), "no {text:?} on screen:\n{s}");
    }
    assert!(!s.contains('✗'), "an expectation failed:\n{s}");
    let accept = word_after(&s, "sec-websocket-accept: ").expect("the accept header shown");
    t.keys(&["a"]);
    t.type_text(accept);
    t.keys(&["Enter"]);
    t.wait_for("✓ Right.");

    // Step 2 (by hand), then step 3: a text message on the upgraded connection.
    t.keys(&["Enter"]);
    t.wait("step 2 shown", |s| {
        s.contains("step 2/6") && s.contains("The handshake by hand")
    });
    t.keys(&["Enter"]);
    // Its task (the upgrade with the learner's own curl): given up, the solution plays.
    t.wait_for("Waiting for the wire");
    t.keys(&["S"]);
    t.wait_for("Enter: the next step.");
    t.keys(&["Enter"]);
    // Steps 3 and 4: the upgrade rules and the Origin check, each ending in a question.
    for (n, title) in [(3, "Three rules"), (4, "The Origin a browser sends")] {
        t.wait(&format!("step {n} shown"), |s| {
            s.contains(&format!("step {n}/6")) && s.contains(title)
        });
        t.keys(&["Enter"]);
        t.wait_for("Press 1-3 to answer.");
        t.keys(&["2"]);
        t.wait_for("✓ Right.");
        t.keys(&["Enter"]);
    }
    t.wait("step 5 shown", |s| {
        s.contains("step 5/6") && s.contains("Same TCP connection")
    });
    t.keys(&["Enter"]);
    t.wait_for("Press 1-3 to answer.");
    t.keys(&["2"]);
    t.wait_for("✓ Right.");

    // WebSocket rows only: the echo is last and selected; one back is the client's frame.
    t.keys(&["f"]);
    t.type_text("proto=ws");
    t.keys(&["Enter"]);
    t.wait_for("filter: proto=ws");
    t.keys(&["h"]);
    let s = t.wait_for("Inspector: ws_frame c2s");
    for field in [
        "MASK=1",
        "FIN=1",
        "opcode=0001 (text)",
        "key ",
        "shown masked",
    ] {
        assert!(s.contains(field), "no {field} on screen:\n{s}");
    }
    t.keys(&["m"]);
    t.wait_for("shown unmasked");

    let saved = std::fs::read_to_string(data.join("progress.json")).expect("progress saved");
    for step in ["\"ask\"", "\"by-hand\"", "\"same-connection\""] {
        assert!(saved.contains(step), "{step} not saved:\n{saved}");
    }
    t.keys(&["Escape"]);
    t.wait_for(&format!("◐ {:>2}. The WebSocket upgrade", n + 1));
}

#[test]
fn replay_step_unmask_and_quit_clean() {
    if !have_tmux() {
        println!("SKIP: tmux is not installed (apt-get install tmux)");
        return;
    }
    let data = tempfile::tempdir().expect("a temporary data directory");
    let t = Tmux::start(&format!("duplex-test-{}", std::process::id()), data.path());
    t.wait_for("duplex · HTTP and WebSocket on the wire");

    play_ws_upgrade(&t, data.path());

    open_replay(&t, "ws-basic.pcap");
    t.wait_for("event 1 of");
    for _ in 0..3 {
        t.keys(&["l"]);
    }
    t.wait_for("event 4 of");
    t.keys(&["h"]);
    t.wait_for("event 3 of");

    // Only WebSocket rows, then the first masked client frame, unmasked.
    t.keys(&["f"]);
    t.type_text("proto=ws");
    t.keys(&["Enter"]);
    t.wait_for("filter: proto=ws");
    // The first WebSocket row is the client's masked text frame; its fields, then unmasked.
    let s = t.wait_for("MASK=1");
    for field in [
        "ws_frame c2s",
        "FIN=1",
        "opcode=0001 (text)",
        "shown masked",
    ] {
        assert!(s.contains(field), "no {field} on screen:\n{s}");
    }
    t.keys(&["m"]);
    let s = t.wait("the payload unmasked", |s| {
        s.contains("MASK=1") && !s.contains("shown masked")
    });
    assert!(
        s.contains("Hello, WebSocket!"),
        "no payload text on screen:\n{s}"
    );

    t.keys(&["?"]);
    t.wait_for("Keys ·");
    t.keys(&["Escape"]);
    t.wait("the help to close", |s| {
        !s.contains("Keys ·") && s.contains("Replay ·")
    });

    t.keys(&["q"]);
    let s = t.wait_for("DONE-0");
    assert!(!s.contains("Replay ·"), "the UI was left on screen:\n{s}");
    assert!(
        !s.contains("duplex · HTTP"),
        "the UI was left on screen:\n{s}"
    );
}

/// The pane's process tree: the duplex started by [`Tmux::start`].
fn duplex_pid(t: &Tmux) -> Option<String> {
    let out = tmux::tmux()
        .args(["list-panes", "-t", &t.name, "-F", "#{pane_pid}"])
        .output()
        .ok()?;
    let shell = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let kids = Command::new("pgrep").args(["-P", &shell]).output().ok()?;
    let pid = String::from_utf8_lossy(&kids.stdout)
        .lines()
        .next()?
        .to_owned();
    (!pid.is_empty()).then_some(pid)
}

#[test]
fn ctrl_c_and_every_quitting_signal_give_the_terminal_back() {
    if !have_tmux() {
        println!("SKIP: tmux is not installed (apt-get install tmux)");
        return;
    }
    let data = tempfile::tempdir().expect("a temporary data directory");
    for how in ["ctrl-c", "TERM", "HUP", "QUIT", "INT"] {
        let t = Tmux::start(&format!("duplex-{how}-{}", std::process::id()), data.path());
        t.wait_for("duplex · HTTP and WebSocket on the wire");
        match how {
            "ctrl-c" => t.keys(&["C-c"]),
            _ => {
                let pid = duplex_pid(&t).expect("duplex runs in the pane");
                let ok = Command::new("kill")
                    .args([&format!("-{how}"), &pid])
                    .status()
                    .is_ok_and(|s| s.success());
                assert!(ok, "kill -{how} {pid}");
            }
        }
        let s = t.wait("duplex to end", |s| s.contains("DONE-"));
        assert!(
            !s.contains("duplex · HTTP"),
            "{how}: the UI was left on screen:\n{s}"
        );
        // Raw mode is off again: the terminal echoes what is typed (raw mode would not).
        t.type_text("typed-after");
        let _ = t.wait("the terminal to echo", |s| s.contains("typed-after"));
        // Mouse reporting is off: tmux says which modes the pane has.
        let modes = tmux::tmux()
            .args([
                "display",
                "-p",
                "-t",
                &t.name,
                "#{mouse_any_flag}#{mouse_button_flag}#{alternate_on}",
            ])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default();
        assert_eq!(
            modes, "000",
            "{how}: mouse reporting or the alternate screen left on"
        );
    }
}

// The capture of wire text holding terminal controls (shared with the unit tests).
use duplex::output::{CaptureWriter, Format, WriterClose};
use duplex::proto::{Dir, Timestamp};
include!("support/control_chars.rs");

/// Colours in SGR sequences (`ESC [ ... m`) of a `capture-pane -e` screen; 39 and 49 (the
/// default colours) are not colours.
fn colours(styled: &str) -> Vec<String> {
    let mut found = Vec::new();
    for seq in styled.split("\x1b[").skip(1) {
        let Some(params) = seq.split_once('m').map(|(p, _)| p) else {
            continue;
        };
        for p in params.split(';').filter_map(|p| p.parse::<u16>().ok()) {
            if matches!(p, 30..=38 | 40..=48 | 90..=97 | 100..=107) {
                found.push(format!("ESC[{params}m"));
            }
        }
    }
    found
}

/// A capture named with an OSC that would set the title, holding ESC, OSC, BEL and C1 CSI in
/// its traffic, replayed under NO_COLOR: every control shows as `\xNN`, the title stays, and no
/// colour reaches the pane.
#[test]
fn controls_from_a_capture_show_escaped_and_never_reach_the_terminal() {
    if !have_tmux() {
        println!("SKIP: tmux is not installed (apt-get install tmux)");
        return;
    }
    let data = tempfile::tempdir().expect("a temporary data directory");
    let cwd = tempfile::tempdir().expect("a temporary working directory");
    let caps = cwd.path().join("assets/captures");
    std::fs::create_dir_all(&caps).expect("assets/captures");
    std::fs::write(caps.join("ctl\x1b]0;pwned\x07.pcap"), control_chars_pcap()).expect("written");
    let name = format!("duplex-ctl-{}", std::process::id());
    let t = Tmux::start_in(&name, data.path(), (100, 30), &[], cwd.path(), "NO_COLOR=1");
    let title = t.display("#{pane_title}");
    t.wait_for("Replay a capture");
    t.keys(&["G", "k", "Enter"]);
    let picker = t.wait_for("ctl\\x1b]0;pwned\\x07.pcap");
    let mut screens = vec![picker];
    t.keys(&["Enter"]);
    t.wait_for("Replay · ctl\\x1b]0;pwned\\x07.pcap");
    t.wait_for("indexed");
    let mut styled = String::new();
    for _ in 0..24 {
        t.keys(&["Down"]);
        screens.push(t.settled());
        styled.push_str(&t.screen_styled());
    }
    let all = screens.join("\n");
    for text in [
        "Replay · ctl\\x1b]0;pwned\\x07.pcap",
        "GET /chat\\x9b2J?room=1",
        "101 Switching \\x9b2J Protocols",
        "\"\\x1b[31mred \\x1b]0;pwned\\x07bell\\x07 \\x9b2J\"",
        "close 1000 \"bye\\x1b[31m",
        "data \"tick \\x1b[31m\\x1b]0;pwned\\x07\\x9b2J\"",
    ] {
        assert!(all.contains(text), "no {text:?} on screen:\n{all}");
    }
    for (_, escaped) in CTL_SHOWN {
        assert!(all.contains(escaped), "no {escaped:?} on screen:\n{all}");
    }
    // No ESC silently dropped: every "[31m" on screen follows a "\x1b", or the "." a hex
    // dump's text column shows for any byte that is not printable ASCII (its hex beside it).
    for (at, _) in all.match_indices("[31m") {
        let line = all[..at].rsplit('\n').next().unwrap_or_default();
        let dump = line.ends_with('.') && line.contains(" 1b 5b 33 31 6d");
        assert!(
            line.ends_with("\\x1b") || dump,
            "an ESC lost: {line:?}[31m…\n{all}"
        );
    }
    assert_eq!(
        t.display("#{pane_title}"),
        title,
        "the pane's title changed"
    );
    assert!(!t.display("#{pane_title}").contains("pwned"));
    assert_eq!(
        colours(&styled),
        Vec::<String>::new(),
        "a colour reached the pane"
    );
    t.keys(&["q"]);
    t.wait_for("DONE-0");
}
