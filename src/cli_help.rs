//! `--help` in zh-CN: clap renders help from the doc comments, in English, before `run` sees the
//! language; so the language is found in argv and the environment first, and for zh-CN the
//! built command is patched from the catalog (about, every argument's help, clap's own words,
//! the headings through a help template). English help is clap's own, untouched.

use std::ffi::OsString;

use clap::Command;

use crate::i18n::lookup;
use crate::lang::Lang;

/// The language before clap parses: `--lang X` / `--lang=X` in argv (up to `--`), else the
/// environment. An unknown `--lang` leaves it to the environment; clap then refuses it.
pub fn early_lang(argv: &[OsString], env: impl Fn(&str) -> Option<String>) -> Lang {
    let mut flag = None;
    let mut args = argv.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(a) = args.next() {
        let value = match a.as_ref() {
            "--" => break,
            "--lang" => args.next().map(|v| v.into_owned()),
            a => a.strip_prefix("--lang=").map(str::to_owned),
        };
        if let Some(l) = value.as_deref().and_then(Lang::parse) {
            flag.get_or_insert(l);
        }
    }
    Lang::resolve(flag, env)
}

/// The command line as [`super::Cli`]; English exactly as clap's own `Cli::parse()`.
pub fn parse() -> super::Cli {
    use clap::{CommandFactory, FromArgMatches, Parser};
    let argv: Vec<OsString> = std::env::args_os().collect();
    let lang = early_lang(&argv, |k| std::env::var(k).ok());
    crate::lang::set(lang);
    if lang == Lang::En {
        return super::Cli::parse_from(argv);
    }
    let mut cmd = localise(super::Cli::command(), lang);
    let mut m = cmd
        .try_get_matches_from_mut(argv)
        .unwrap_or_else(|e| e.exit());
    super::Cli::from_arg_matches_mut(&mut m).unwrap_or_else(|e| e.format(&mut cmd).exit())
}

/// `(command, argument id, key)`; `*` is any command (the global flags).
const ARGS: &[(&str, &str, &str)] = &[
    ("*", "lessons", "cli.arg.lessons"),
    ("*", "lang", "cli.arg.lang"),
    ("replay", "file", "cli.replay.file"),
    ("replay", "json", "cli.replay.json"),
    ("replay", "plain", "cli.replay.plain"),
    ("replay", "summary", "cli.replay.summary"),
    ("replay", "keylog", "cli.replay.keylog"),
    ("serve", "port", "cli.serve.port"),
    ("serve", "bind", "cli.serve.bind"),
    ("serve", "keepalive", "cli.serve.keepalive"),
    ("serve", "json", "cli.serve.json"),
    ("serve", "plain", "cli.serve.plain"),
    ("serve", "max_body", "cli.serve.max_body"),
    ("serve", "max_conns", "cli.serve.max_conns"),
    ("serve", "max_requests", "cli.serve.max_requests"),
    ("serve", "head_timeout", "cli.serve.head_timeout"),
    ("serve", "body_timeout", "cli.serve.body_timeout"),
    ("serve", "write_timeout", "cli.serve.write_timeout"),
    ("serve", "ws_idle", "cli.serve.ws_idle"),
    (
        "serve",
        "first_byte_timeout",
        "cli.serve.first_byte_timeout",
    ),
    ("serve", "record", "cli.serve.record"),
    ("serve", "no_deflate", "cli.serve.no_deflate"),
    ("serve", "allowed_origin", "cli.serve.allowed_origin"),
    ("serve", "tls", "cli.serve.tls"),
    ("serve", "cert_dir", "cli.serve.cert_dir"),
    ("serve", "keylog", "cli.serve.keylog"),
    ("learn", "id", "cli.learn.id"),
    ("learn", "plain", "cli.learn.plain"),
    ("learn", "auto", "cli.learn.auto"),
    ("progress", "reset", "cli.progress.reset"),
    ("check", "paths", "cli.check.paths"),
    ("check", "run", "cli.check.run"),
    ("check", "budget", "cli.check.budget"),
    ("frame", "url", "cli.frame.url"),
    ("frame", "opcode", "cli.frame.opcode"),
    ("frame", "fin", "cli.frame.fin"),
    ("frame", "no_fin", "cli.frame.no_fin"),
    ("frame", "rsv1", "cli.frame.rsv1"),
    ("frame", "rsv2", "cli.frame.rsv2"),
    ("frame", "rsv3", "cli.frame.rsv3"),
    ("frame", "rsv", "cli.frame.rsv"),
    ("frame", "mask", "cli.frame.mask"),
    ("frame", "no_mask", "cli.frame.no_mask"),
    ("frame", "len", "cli.frame.len"),
    ("frame", "text", "cli.frame.text"),
    ("frame", "hex", "cli.frame.hex"),
    ("frame", "close", "cli.frame.close"),
    ("frame", "reason", "cli.frame.reason"),
    ("frame", "fragments", "cli.frame.fragments"),
    ("frame", "ping_between", "cli.frame.ping_between"),
    ("frame", "preset", "cli.frame.preset"),
    ("frame", "wait", "cli.frame.wait"),
];

/// `(command, about key, long about key)`; "" is `duplex` itself.
const ABOUT: &[(&str, &str, Option<&str>)] = &[
    ("", "cli.about", None),
    ("replay", "cli.replay.about", None),
    ("serve", "cli.serve.about", None),
    ("learn", "cli.learn.about", None),
    ("recap", "cli.recap.about", Some("cli.recap.long_about")),
    ("progress", "cli.progress.about", None),
    ("check", "cli.check.about", None),
    ("glossary", "cli.glossary.about", None),
    ("frame", "cli.frame.about", None),
    ("help", "cli.clap.help_about", None),
];

/// clap's own texts (the help and version flags, the `help` command), by their English.
const CLAP: &[(&str, &str)] = &[
    ("Print help", "cli.clap.help"),
    ("Print help (see more with '--help')", "cli.clap.help_more"),
    (
        "Print help (see a summary with '-h')",
        "cli.clap.help_summary",
    ),
    ("Print version", "cli.clap.version"),
    ("Print help for the subcommand(s)", "cli.clap.help_sub"),
];

/// An argument's help starts on its own line, this far in (clap's next-line indent): Chinese
/// help beside the flags would leave it little room.
const INDENT: usize = 10;
const WIDTH: usize = crate::lesson::wrap::COLUMNS;

/// `cmd` (from `Cli::command()`) with its help in `lang`; English is returned as it came.
pub fn localise(mut cmd: Command, lang: Lang) -> Command {
    if lang == Lang::En {
        return cmd;
    }
    // Built first, so the help flags, the `help` command and the global flags exist to patch.
    cmd.build();
    patch(cmd, "", lang)
}

fn patch(mut cmd: Command, name: &str, lang: Lang) -> Command {
    let t = |key: &str| lookup(key, lang);
    if let Some((_, about, long)) = ABOUT.iter().find(|(n, ..)| *n == name) {
        cmd = cmd.about(paragraphs(&t(about), WIDTH));
        if let Some(long) = long {
            cmd = cmd.long_about(paragraphs(&t(long), WIDTH));
        }
    }
    if name == "serve" {
        cmd = cmd.after_long_help(paragraphs(&t("cli.serve.limits"), WIDTH));
    }
    if name == "frame" {
        cmd = cmd.after_long_help(crate::frame::presets_help(lang));
    }
    let ids: Vec<String> = cmd
        .get_arguments()
        .map(|a| a.get_id().to_string())
        .collect();
    for id in ids {
        cmd = cmd.mut_arg(&id, |a| arg(a, name, lang));
    }
    let template = template(&cmd, lang);
    cmd = cmd.help_template(template);
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    for sub in subs {
        cmd = cmd.mut_subcommand(&sub, |s| patch(s, &sub, lang));
    }
    cmd
}

fn arg(a: clap::Arg, cmd: &str, lang: Lang) -> clap::Arg {
    let id = a.get_id().as_str();
    let key = ARGS
        .iter()
        .find(|(c, i, _)| (*c == cmd || *c == "*") && *i == id)
        .map(|(.., k)| *k);
    let english = |h: Option<&clap::builder::StyledStr>| {
        h.and_then(|h| CLAP.iter().find(|(en, _)| *en == h.to_string()))
            .map(|(_, k)| *k)
    };
    let Some(key) = key.or_else(|| english(a.get_help())) else {
        return a;
    };
    let mut text = lookup(key, lang);
    let defaults: Vec<String> = a
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    let mut a = a;
    // clap shows no default for a flag that takes no value.
    if !defaults.is_empty() && !a.is_hide_default_value_set() && a.get_action().takes_values() {
        let value = defaults.join(", ");
        text += &crate::i18n::fill(&lookup("cli.spec.default", lang), &[("value", value)]);
        a = a.hide_default_value(true);
    }
    if let Some(env) = a.get_env().filter(|_| !a.is_hide_env_set()) {
        let name = env.to_string_lossy().into_owned();
        text += &crate::i18n::fill(&lookup("cli.spec.env", lang), &[("name", name)]);
        a = a.hide_env(true);
    }
    let long = english(a.get_long_help()).map(|k| lookup(k, lang));
    a = a
        .next_line_help(true)
        .help(paragraphs(&text, WIDTH - INDENT));
    match long {
        Some(l) => a.long_help(l),
        None => a.long_help(None::<&'static str>),
    }
}

/// The headings in `lang`, sections only where the command has something to list.
fn template(cmd: &Command, lang: Lang) -> String {
    let t = |key: &str| lookup(key, lang);
    let mut out = format!(
        "{{before-help}}{{about-with-newline}}\n{}{{usage}}",
        t("cli.heading.usage")
    );
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        out += &format!("\n\n{}\n{{subcommands}}", t("cli.heading.commands"));
    }
    if cmd.get_positionals().any(|a| !a.is_hide_set()) {
        out += &format!("\n\n{}\n{{positionals}}", t("cli.heading.arguments"));
    }
    out += &format!(
        "\n\n{}\n{{options}}{{after-help}}",
        t("cli.heading.options")
    );
    out
}

/// Paragraphs (split at blank lines) each wrapped to `width` columns: clap wraps nothing, and
/// would not break Chinese, which has no spaces.
fn paragraphs(text: &str, width: usize) -> String {
    text.split("\n\n")
        .map(|p| crate::lesson::wrap::wrap(p, width, "", "").join("\n"))
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_flag_is_found_before_clap() {
        let none = |_: &str| None;
        let zh = |k: &str| (k == "LANG").then(|| "zh_CN.UTF-8".to_owned());
        assert_eq!(
            early_lang(&os(&["duplex", "--lang", "zh-CN"]), none),
            Lang::ZhCn
        );
        assert_eq!(
            early_lang(&os(&["duplex", "serve", "--lang=zh"]), none),
            Lang::ZhCn
        );
        assert_eq!(early_lang(&os(&["duplex", "--lang", "en"]), zh), Lang::En);
        assert_eq!(early_lang(&os(&["duplex", "--lang", "xx"]), zh), Lang::ZhCn);
        assert_eq!(
            early_lang(&os(&["duplex", "--", "--lang=zh"]), none),
            Lang::En
        );
        assert_eq!(early_lang(&os(&["duplex", "learn"]), zh), Lang::ZhCn);
    }
}
