//! duplex in a real terminal whose locale is Chinese: the home and the help read in Chinese, and
//! `z` switches to English live, at 100x30 and 80x24. Prints SKIP when tmux is missing.

mod tmux;

use tmux::{Tmux, have_tmux};

/// Spaces dropped: a terminal may pad after a wide character, and lines wrap.
fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn a_chinese_locale_gives_a_chinese_shell_and_z_switches_to_english() {
    if !have_tmux() {
        eprintln!("SKIP: tmux is not installed");
        return;
    }
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for (w, h) in [(100, 30), (80, 24)] {
        let data = tempfile::tempdir().expect("a data directory");
        let name = format!("duplex-lang-{w}-{}", std::process::id());
        // The harness pins DUPLEX_LANG=en; a second `env` takes it away again, so the locale
        // alone chooses, as for a learner who never set it.
        let env = "env -u DUPLEX_LANG -u LC_ALL -u LC_MESSAGES LANG=zh_CN.UTF-8";
        let t = Tmux::start_in(&name, data.path(), (w, h), &[], here, env);
        // Waits for the whole screen (a capture can come mid-draw), then checks it.
        let s = t.wait("the home in Chinese", |s| {
            let s = squeeze(s);
            s.contains("回放抓包文件") && s.contains("Enter打开") && s.contains("沙盒")
        });
        let s = squeeze(&s);
        assert!(
            s.contains("Enter打开") && s.contains("沙盒"),
            "{w}x{h}:\n{s}"
        );
        assert!(!s.contains("Replayacapture"), "{w}x{h}:\n{s}");

        t.keys(&["?"]);
        let s = t.wait("the help in Chinese", |s| {
            let s = squeeze(s);
            s.contains("所有界面") && s.contains("切换语言")
        });
        assert!(squeeze(&s).contains("切换语言"), "{w}x{h}:\n{s}");
        assert!(!s.contains("Everywhere"), "{w}x{h}:\n{s}");
        t.keys(&["x"]);
        t.wait("the help closed", |s| !squeeze(s).contains("所有界面"));

        t.keys(&["z"]);
        let s = t.wait("the home in English", |s| {
            s.contains("Language: English")
                && s.contains("Enter open")
                && !squeeze(s).contains("回放抓包文件")
        });
        assert!(s.contains("Language: English"), "{w}x{h}:\n{s}");
        assert!(s.contains("Enter open"), "{w}x{h}:\n{s}");
        assert!(!squeeze(&s).contains("回放抓包文件"), "{w}x{h}:\n{s}");
        t.keys(&["q"]);
        t.wait_for("DONE-0");
    }
}
