//! `duplex frame`: one WebSocket frame (or a few) built field by field from the command line,
//! printed bit by bit with what a server would say, or sent raw to a server after a real upgrade.

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use crate::i18n::lookup;
use crate::lang::Lang;
use crate::lesson::wrap::COLUMNS;
use crate::proto::ws::build::{
    FrameSpec, LenForm, Preset, close_payload, fragments, parse_hex, parse_opcode, random_key,
};
use crate::tr;

pub mod print;
mod send;
mod words;

#[derive(Args, Debug)]
#[command(after_long_help = presets_help(Lang::En))]
pub struct FrameArgs {
    /// Send the frames to this server (ws://HOST:PORT/PATH) after a real upgrade, and print what
    /// comes back; without it, print the frames bit by bit
    #[arg(value_name = "URL")]
    pub url: Option<String>,
    /// The opcode: text, binary, close, ping, pong, continuation, or a number 0-15 (default:
    /// text; binary with --hex, close with --close)
    #[arg(long, value_name = "OP", value_parser = opcode)]
    pub opcode: Option<u8>,
    /// FIN, the final frame of its message: set by default; --fin false clears it
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true",
          hide_possible_values = true)]
    pub fin: Option<bool>,
    /// Clear FIN: more frames of this message follow
    #[arg(long, conflicts_with = "fin")]
    pub no_fin: bool,
    /// Set RSV1 (permessage-deflate's "compressed" bit)
    #[arg(long)]
    pub rsv1: bool,
    /// Set RSV2
    #[arg(long)]
    pub rsv2: bool,
    /// Set RSV3
    #[arg(long)]
    pub rsv3: bool,
    /// The three reserved bits as one number 0-7 (RSV1 = 4, RSV2 = 2, RSV3 = 1)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=7))]
    pub rsv: Option<u8>,
    /// The masking key: random (the default, a fresh key per frame, as a client must send), or
    /// 8 hex digits such as 37fa213d
    #[arg(long, value_name = "KEY", value_parser = mask)]
    pub mask: Option<MaskArg>,
    /// Send the frames unmasked, as only a server may
    #[arg(long, conflicts_with = "mask")]
    pub no_mask: bool,
    /// The payload length field: auto (the payload's own, in the shortest form), N (the 7-bit
    /// field, 0-125), 16:N or 64:N; a length other than the payload's is written as given
    #[arg(long, value_name = "FORM", default_value = "auto", value_parser = len_form)]
    pub len: LenForm,
    /// The payload as text (UTF-8)
    #[arg(long, value_name = "T", group = "payload")]
    pub text: Option<String>,
    /// The payload as hex bytes: c328, "c3 28" or 0xc328
    #[arg(long, value_name = "H", group = "payload", value_parser = hex)]
    pub hex: Option<Bytes>,
    /// A close frame's payload: this code in two bytes, then --reason
    #[arg(long, value_name = "CODE", group = "payload")]
    pub close: Option<u16>,
    /// With --close: the reason after the code (UTF-8)
    #[arg(long, value_name = "R", requires = "close")]
    pub reason: Option<String>,
    /// Split the message into N frames: the first has the opcode, the others are continuations,
    /// the last has FIN
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub fragments: u16,
    /// Put a ping between the first two fragments (allowed, RFC 6455 §5.4; implies --fragments 2)
    #[arg(long)]
    pub ping_between: bool,
    /// One of the classic experiments instead of the flags above (`--preset list` lists them)
    #[arg(long, value_name = "NAME", conflicts_with_all = [
        "opcode", "fin", "no_fin", "rsv1", "rsv2", "rsv3", "rsv", "mask", "no_mask", "text",
        "hex", "close", "fragments", "ping_between"
    ])]
    pub preset: Option<String>,
    /// With a URL: read the server's answer for this many seconds, or until it closes
    #[arg(long, value_name = "SECS", default_value = "2", value_parser = wait_secs)]
    pub wait: Duration,
}

/// A masking key choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaskArg {
    Random,
    Key([u8; 4]),
}

/// Payload bytes (a newtype: clap reads a bare `Vec` as many values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bytes(pub Vec<u8>);

fn opcode(s: &str) -> Result<u8, String> {
    parse_opcode(s).ok_or_else(|| tr!("frame.err.opcode", value = s))
}

fn mask(s: &str) -> Result<MaskArg, String> {
    if s.eq_ignore_ascii_case("random") {
        return Ok(MaskArg::Random);
    }
    match parse_hex(s) {
        Some(b) if b.len() == 4 => Ok(MaskArg::Key([b[0], b[1], b[2], b[3]])),
        _ => Err(tr!("frame.err.mask", value = s)),
    }
}

fn hex(s: &str) -> Result<Bytes, String> {
    parse_hex(s)
        .map(Bytes)
        .ok_or_else(|| tr!("frame.err.hex", value = s))
}

/// `auto`, `N` (7-bit, 0-125), `16:N`, `64:N`.
pub fn len_form(s: &str) -> Result<LenForm, String> {
    let bad = || tr!("frame.err.len", value = s);
    let s = s.trim();
    if s.eq_ignore_ascii_case("auto") {
        return Ok(LenForm::Auto);
    }
    match s.split_once(':') {
        Some(("16", n)) => n.parse().map(LenForm::Sixteen).map_err(|_| bad()),
        Some(("64", n)) => n.parse().map(LenForm::SixtyFour).map_err(|_| bad()),
        Some(_) => Err(bad()),
        None => match s.parse::<u8>() {
            Ok(n) if n <= 125 => Ok(LenForm::Seven(n)),
            _ => Err(bad()),
        },
    }
}

fn wait_secs(s: &str) -> Result<Duration, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=600.0).contains(&v) => Ok(Duration::from_secs_f64(v)),
        _ => Err(tr!("frame.err.wait", value = s)),
    }
}

/// The presets with their descriptions, for `--help` and `--preset list`.
pub fn presets_help(lang: Lang) -> String {
    let mut out = vec![lookup("frame.presets_heading", lang)];
    for p in Preset::ALL {
        let first = format!("  {:<24}", p.id());
        let indent = " ".repeat(first.len());
        let text = lookup(p.key(), lang);
        out.extend(crate::lesson::wrap::wrap(&text, COLUMNS, &first, &indent));
    }
    out.join("\n")
}

/// The frames the flags describe, in order.
pub fn frames(a: &FrameArgs) -> Result<Vec<FrameSpec>, String> {
    if let Some(name) = &a.preset {
        return Preset::from_id(name)
            .map(Preset::frames)
            .ok_or_else(|| tr!("frame.err.preset", name = name));
    }
    let (default_op, payload) = match (&a.text, &a.hex, a.close) {
        (Some(t), ..) => (1, t.as_bytes().to_vec()),
        (_, Some(h), _) => (2, h.0.clone()),
        (.., Some(code)) => {
            let reason = a.reason.as_deref().unwrap_or("").as_bytes();
            (8, close_payload(Some(code), reason))
        }
        _ => (1, Vec::new()),
    };
    let op = a.opcode.unwrap_or(default_op);
    let n = if a.ping_between {
        a.fragments.max(2)
    } else {
        a.fragments
    };
    let mut v = fragments(op, &payload, usize::from(n), true);
    if n > 1 && a.len != LenForm::Auto {
        return Err(tr!("frame.err.len_fragments"));
    }
    let rsv =
        a.rsv.unwrap_or(0) | (u8::from(a.rsv1) << 2) | (u8::from(a.rsv2) << 1) | u8::from(a.rsv3);
    let fin = !a.no_fin && a.fin.unwrap_or(true);
    for (i, f) in v.iter_mut().enumerate() {
        f.mask = match (a.no_mask, a.mask) {
            (true, _) => None,
            (_, Some(MaskArg::Key(k))) => Some(k),
            _ => Some(random_key()),
        };
        if i == 0 {
            f.rsv = rsv;
            f.len = a.len;
        }
        if i + 1 == usize::from(n) {
            f.fin = fin;
        }
    }
    if a.ping_between {
        let mut ping = FrameSpec::new(9, "between");
        ping.mask = v[1].mask.map(|_| random_key());
        if let Some(MaskArg::Key(k)) = a.mask {
            ping.mask = Some(k);
        }
        v.insert(1, ping);
    }
    for f in &v {
        f.check().map_err(|e| e.to_string())?;
    }
    Ok(v)
}

pub fn run(a: &FrameArgs) -> ExitCode {
    if a.preset.as_deref() == Some("list") {
        println!("{}", presets_help(crate::lang::current()));
        return ExitCode::SUCCESS;
    }
    let specs = match frames(a) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("duplex frame: {e}");
            return ExitCode::from(2);
        }
    };
    let width = crate::lesson::wrap::columns();
    match &a.url {
        None => {
            for l in print::describe(&specs, width) {
                println!("{l}");
            }
            ExitCode::SUCCESS
        }
        Some(url) => send::send(url, &specs, a.wait, width),
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
