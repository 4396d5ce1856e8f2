//! `--help` in English stays as it was (tests/cli_help/en-*.txt, captured before the catalog);
//! in zh-CN, chosen by the flag or the environment, every line is Chinese and fits 100 columns.
//! The errors a learner meets on the main commands speak the learner's language.

use std::process::{Command, Output};

use unicode_width::UnicodeWidthStr;

const BIN: &str = env!("CARGO_BIN_EXE_duplex");

/// The binary with a clean environment but for `vars`.
fn duplex(args: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.env_clear().args(args);
    if let Ok(p) = std::env::var("PATH") {
        cmd.env("PATH", p);
    }
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.output().expect("run duplex")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

const COMMANDS: [&str; 9] = [
    "root", "replay", "serve", "learn", "recap", "progress", "check", "glossary", "frame",
];

fn args<'a>(cmd: &'a str, flag: &'a str) -> Vec<&'a str> {
    if cmd == "root" {
        vec![flag]
    } else {
        vec![cmd, flag]
    }
}

#[test]
fn english_help_is_unchanged() {
    for env in [
        &[("DUPLEX_LANG", "en")][..],
        &[],
        &[("LANG", "en_US.UTF-8")],
    ] {
        for cmd in COMMANDS {
            for flag in ["-h", "--help"] {
                let want =
                    std::fs::read_to_string(format!("tests/cli_help/en-{cmd}{flag}.txt")).unwrap();
                let o = duplex(&args(cmd, flag), env);
                assert!(o.status.success(), "{cmd} {flag}");
                assert_eq!(stdout(&o), want, "{cmd} {flag} with {env:?}");
            }
        }
        let want = std::fs::read_to_string("tests/cli_help/en-help-serve.txt").unwrap();
        assert_eq!(stdout(&duplex(&["help", "serve"], env)), want);
    }
    // `--lang en` beats a Chinese locale.
    let o = duplex(
        &["--lang", "en", "serve", "--help"],
        &[("LANG", "zh_CN.UTF-8")],
    );
    let want = std::fs::read_to_string("tests/cli_help/en-serve--help.txt").unwrap();
    assert_eq!(stdout(&o), want);
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Chinese help: headings and about in Chinese, every flag's help has CJK, lines within 100.
fn assert_chinese(text: &str, what: &str) {
    for line in text.lines() {
        assert!(
            line.width() <= 100,
            "{what}: {} columns: {line}",
            line.width()
        );
    }
    for english in [
        "Usage:",
        "Options:",
        "Commands:",
        "Arguments:",
        "Print help",
        "[default:",
    ] {
        assert!(!text.contains(english), "{what}: {english} left:\n{text}");
    }
    assert!(text.contains("用法："), "{what}:\n{text}");
    assert!(text.contains("选项："), "{what}:\n{text}");
    let first = text.lines().next().unwrap();
    assert!(has_cjk(first), "{what}: about not Chinese: {first}");
    // Each flag or argument line is followed by its help (on the next line in Chinese help).
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        let is_arg = t.starts_with("--") || t.starts_with("-h") || t.starts_with("-V");
        let is_pos = t.starts_with('<') || t.starts_with('[');
        if (is_arg || is_pos) && line.starts_with("  ") && !line.starts_with("          ") {
            let help = lines.get(i + 1).copied().unwrap_or("");
            assert!(
                has_cjk(help),
                "{what}: no Chinese help for {t}: {help:?}\n{text}"
            );
        }
    }
}

#[test]
fn chinese_help_by_flag_and_by_environment() {
    let zh: [(&[&str], &[(&str, &str)]); 6] = [
        (&["--lang", "zh-CN", "--help"], &[]),
        (&["--lang=zh-CN", "-h"], &[]),
        (&["learn", "--help"], &[("LANG", "zh_CN.UTF-8")]),
        (&["serve", "--help"], &[("DUPLEX_LANG", "zh-CN")]),
        (&["serve", "-h", "--lang", "zh"], &[("LANG", "en_US.UTF-8")]),
        (
            &["check", "--help"],
            &[("LC_ALL", "zh_CN.UTF-8"), ("LANG", "C")],
        ),
    ];
    for (a, env) in zh {
        let o = duplex(a, env);
        assert!(o.status.success(), "{a:?}");
        assert_chinese(&stdout(&o), &format!("{a:?} {env:?}"));
    }
    // Every command, both lengths.
    for cmd in COMMANDS {
        for flag in ["-h", "--help"] {
            let o = duplex(&args(cmd, flag), &[("DUPLEX_LANG", "zh-CN")]);
            let text = stdout(&o);
            assert_chinese(&text, &format!("{cmd} {flag}"));
            if cmd == "root" {
                assert!(text.contains("命令："), "{text}");
            }
        }
    }
    // The budgets after `serve --help`'s flags.
    let o = duplex(&["serve", "--help"], &[("DUPLEX_LANG", "zh-CN")]);
    let text = stdout(&o);
    assert!(
        text.contains("内存") && !text.contains("Memory, per connection"),
        "{text}"
    );
    let o = duplex(&["help", "replay"], &[("DUPLEX_LANG", "zh-CN")]);
    assert!(stdout(&o).contains("参数："), "{}", stdout(&o));
}

#[test]
fn a_missing_capture_is_said_in_chinese() {
    let o = duplex(&["replay", "/no/such/file.pcap", "--lang", "zh-CN"], &[]);
    assert!(!o.status.success());
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("/no/such/file.pcap"), "{err}");
    assert!(
        err.contains("无法打开") && err.contains("文件不存在"),
        "{err}"
    );
    assert!(
        !err.contains("cannot open") && !err.contains("No such file"),
        "{err}"
    );
    // English unchanged.
    let o = duplex(&["replay", "/no/such/file.pcap"], &[("DUPLEX_LANG", "en")]);
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(
        err.starts_with("duplex: cannot open /no/such/file.pcap: "),
        "{err}"
    );
}

#[test]
fn a_file_that_is_not_a_capture_and_an_unknown_language_in_chinese() {
    let o = duplex(&["replay", "Cargo.toml"], &[("DUPLEX_LANG", "zh-CN")]);
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("不是 pcap 或 pcapng 文件"), "{err}");
    let o = duplex(&["--lang", "fr", "glossary"], &[("LANG", "zh_CN.UTF-8")]);
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("en, zh-CN") && has_cjk(&err), "{err}");
    let o = duplex(
        &["learn", "keep-alivee", "--plain"],
        &[("DUPLEX_LANG", "zh-CN")],
    );
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("keep-alive") && has_cjk(&err), "{err}");
}
