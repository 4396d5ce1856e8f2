//! The TLS layer in the views: a record's, a handshake message's and the keys' label on the
//! ladder, and their fields in the inspector. `outsider` draws only what an eavesdropper on the
//! path sees: no inner type, no plaintext size, no message read with the keys.

use ratatui::text::Line;

use super::Theme;
use super::hexdump::{Field, hex_lines};
use super::text::{pad, visible, width};
use crate::proto::event::{ClientHello, ServerHello, TlsKeys};
use crate::proto::tls::{content_type_name, suite_name, version_name};
use crate::session::{Detail, Row, RowKind, Session, TLS_TAG, flags};
use crate::tr;

/// The label of a TLS row (`None` for other kinds).
pub fn label(session: &Session, row: &Row, outsider: bool) -> Option<String> {
    Some(match row.kind {
        RowKind::TlsRecord => {
            let mut s = format!("TLS {}", content_type_name(row.opcode));
            if row.has(flags::ENCRYPTED) {
                s.push_str(&tr!("views.label.tls_encrypted"));
            }
            if let (false, Some(inner), Some(n)) = (outsider, row.tls_inner(), row.tls_plaintext())
            {
                s.push_str(&tr!(
                    "views.label.tls_inner",
                    kind = content_type_name(inner),
                    n = n
                ));
            }
            s
        }
        RowKind::TlsHandshake => {
            let msg = session.handshake_msg(row).unwrap_or("?");
            let Some((hello, server)) = session.handshake_hellos(row) else {
                return Some(msg.to_owned());
            };
            match (msg, server) {
                ("client_hello", _) => {
                    let mut s = msg.to_owned();
                    if let Some(sni) = &hello.sni {
                        s.push_str(&format!(" SNI {}", visible(sni)));
                    }
                    if !hello.alpn.is_empty() {
                        s.push_str(&format!(" ALPN {}", visible(&hello.alpn.join(","))));
                    }
                    s
                }
                ("server_hello", Some(sh)) => format!(
                    "{msg} {} {}",
                    version_name(sh.version),
                    suite_name(sh.suite)
                ),
                _ if row.has(flags::ENCRYPTED) => {
                    format!("{msg}{}", tr!("views.label.tls_decrypted"))
                }
                _ => msg.to_owned(),
            }
        }
        RowKind::TlsKeys => {
            let k = session.keys_of(row)?;
            let (version, suite) = (version_name(k.version), suite_name(k.suite));
            if k.decrypting {
                tr!(
                    "views.label.tls_keys_held",
                    version = version,
                    suite = suite
                )
            } else {
                tr!(
                    "views.label.tls_keys_missing",
                    version = version,
                    suite = suite
                )
            }
        }
        _ => return None,
    })
}

/// `  name      value`, the names padded to one column (display width: CJK is 2).
fn field(name: &str, value: impl AsRef<str>) -> Line<'static> {
    Line::raw(format!(
        "  {}{}",
        pad(name, 12.max(width(name) + 2)),
        value.as_ref()
    ))
}

/// The inspector's lines for a TLS row (`None` for other details).
pub fn inspector_lines(
    d: &Detail<'_>,
    outsider: bool,
    width: usize,
    theme: &Theme,
) -> Option<Vec<Line<'static>>> {
    Some(match *d {
        Detail::TlsRecord { row, header } => record(row, header, outsider, width, theme),
        Detail::TlsHandshake {
            row,
            msg,
            hello,
            server,
        } => handshake(row, msg, hello, server),
        Detail::TlsKeys { row, keys } => keys_lines(row, keys),
        _ => return None,
    })
}

fn record(
    row: Row,
    header: &[u8],
    outsider: bool,
    width: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let len = row.payload_len;
    let mut out = vec![
        field(
            &tr!("views.tls.type"),
            format!("{} {}", row.opcode, content_type_name(row.opcode)),
        ),
        field(
            &tr!("views.tls.version"),
            tr!(
                "views.tls.record_version",
                hex = format!("0x{:04x}", row.code),
                name = version_name(row.code)
            ),
        ),
        field(
            &tr!("views.tls.length"),
            tr!("views.tls.length_is", n = len, wire = len + 5),
        ),
    ];
    let encrypted = row.has(flags::ENCRYPTED);
    out.push(field(
        &tr!("views.tls.encrypted"),
        if encrypted {
            tr!("views.tls.encrypted_yes")
        } else {
            tr!("views.tls.encrypted_no")
        },
    ));
    match (encrypted, row.tls_plaintext()) {
        (true, _) if outsider => {
            out.push(field(&tr!("views.tls.inside"), tr!("views.tls.hidden")));
            out.push(field(
                &tr!("views.tls.adds"),
                tr!("views.tls.adds_at_least", n = 5 + TLS_TAG, tag = TLS_TAG),
            ));
        }
        (true, Some(p)) => {
            let inner = row.tls_inner().map_or("?", content_type_name);
            out.push(field(
                &tr!("views.tls.inside"),
                tr!("views.tls.inside_is", kind = inner, n = p),
            ));
            let added = len.saturating_sub(u64::from(p));
            out.push(field(
                &tr!("views.tls.adds"),
                tr!(
                    "views.tls.adds_is",
                    n = 5 + added,
                    tag = TLS_TAG.min(added),
                    rest = added.saturating_sub(TLS_TAG)
                ),
            ));
        }
        (true, None) => out.push(field(&tr!("views.tls.inside"), tr!("views.tls.no_keys"))),
        (false, _) => out.push(field(&tr!("views.tls.adds"), tr!("views.tls.adds_header"))),
    }
    out.push(Line::raw(""));
    let names = [
        tr!("views.tls.type"),
        tr!("views.tls.version"),
        tr!("views.tls.length"),
    ];
    let fields = [
        Field::new(0, 1, &names[0]),
        Field::new(1, 3, &names[1]),
        Field::new(3, 5, &names[2]),
    ];
    out.extend(hex_lines(header, &fields, width, theme));
    out
}

fn handshake(
    row: Row,
    msg: &str,
    hello: &ClientHello,
    server: Option<&ServerHello>,
) -> Vec<Line<'static>> {
    let mut out = vec![field(
        &tr!("views.tls.message"),
        tr!("views.tls.message_is", msg = msg, n = row.payload_len),
    )];
    if row.has(flags::ENCRYPTED) {
        out.push(field(
            &tr!("views.tls.encrypted"),
            tr!("views.tls.read_with_keys"),
        ));
    }
    if msg == "client_hello" {
        let none = tr!("views.tls.none");
        out.push(field(
            "SNI",
            hello
                .sni
                .as_deref()
                .map_or(none.clone(), |s| visible(s).into_owned()),
        ));
        let alpn = if hello.alpn.is_empty() {
            none
        } else {
            visible(&hello.alpn.join(", ")).into_owned()
        };
        out.push(field("ALPN", alpn));
        let versions: Vec<String> = hello.versions.iter().map(|v| version_name(*v)).collect();
        out.push(field(&tr!("views.tls.versions"), versions.join(", ")));
        out.push(field(
            &tr!("views.tls.suites_offered", n = hello.suites.len()),
            "",
        ));
        for s in &hello.suites {
            out.push(Line::raw(format!("    {}", suite_name(*s))));
        }
    }
    if let Some(s) = server {
        out.push(field(&tr!("views.tls.version"), version_name(s.version)));
        out.push(field(
            &tr!("views.tls.suite"),
            tr!("views.tls.suite_chosen", suite = suite_name(s.suite)),
        ));
        if let Some(a) = &s.alpn {
            out.push(field("ALPN", visible(a).into_owned()));
        }
    }
    out
}

fn keys_lines(row: Row, keys: Option<&TlsKeys>) -> Vec<Line<'static>> {
    let Some(k) = keys else {
        return vec![Line::raw(format!("  {}", row.kind.name()))];
    };
    let mut out = vec![
        field(&tr!("views.tls.version"), version_name(k.version)),
        field(&tr!("views.tls.suite"), suite_name(k.suite)),
        field(
            "client_random",
            k.client_random
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
        ),
    ];
    if k.decrypting {
        out.push(field(&tr!("views.tls.keys"), tr!("views.tls.keys_held")));
    } else {
        out.push(field(&tr!("views.tls.keys"), tr!("views.tls.keys_missing")));
        if let Some(need) = &k.need {
            out.push(field(&tr!("views.tls.needs"), visible(need).into_owned()));
        }
    }
    out
}
