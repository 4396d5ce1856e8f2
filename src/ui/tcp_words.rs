//! The inspector's sentences about a TCP entry: what a close or a half-close means, and the
//! `name  text` pairs it wraps them in.

use ratatui::text::Line;

/// What a `tcp_close` means, in a sentence.
pub(super) fn close_words(row: &crate::session::Row) -> String {
    use crate::proto::event::CloseHow;
    let server = row.dir == Some(crate::proto::Dir::S2c);
    let key = match (crate::session::close_how(row.code), server) {
        // A FIN says only "no more bytes from me": a WebSocket peer that dies sends one too,
        // with no close frame before it.
        (CloseHow::Fin, true) => "tcp.close_fin_server",
        (CloseHow::Fin, false) => "tcp.close_fin_client",
        _ if crate::session::close_why(row.code).is_some() => {
            crate::session::close_why(row.code).map_or("", stall_words)
        }
        (CloseHow::Rst, _) => "tcp.close_rst",
        (CloseHow::Timeout, _) => "tcp.close_timeout",
        (CloseHow::Eof, _) => "tcp.close_eof",
    };
    crate::i18n::lookup(key, crate::lang::current())
}

/// Why the server gave up on a connection, in a sentence (its catalog key).
fn stall_words(why: crate::proto::event::Stall) -> &'static str {
    use crate::proto::event::Stall;
    match why {
        Stall::Idle => "tcp.close_timeout",
        Stall::FirstByte => "tcp.stall.first_byte",
        Stall::Head => "tcp.stall.head",
        Stall::Body => "tcp.stall.body",
        Stall::Write => "tcp.stall.write",
        Stall::WsIdle => "tcp.stall.ws_idle",
    }
}

/// What a `tcp_fin` means, in a sentence.
pub(super) fn fin_words(row: &crate::session::Row) -> String {
    if row.dir == Some(crate::proto::Dir::C2s) {
        crate::tr!("tcp.fin_c2s")
    } else {
        crate::tr!("tcp.fin_s2c")
    }
}

/// What a `ws_abnormal_close` means, in a sentence.
pub(super) fn abnormal_words(row: &crate::session::Row) -> String {
    let how = crate::session::close_how(row.code).as_str();
    if row.dir == Some(crate::proto::Dir::C2s) {
        crate::tr!("tcp.ws_abnormal_c2s", how = how)
    } else {
        crate::tr!("tcp.ws_abnormal_s2c", how = how)
    }
}

/// `  name  text`, the text wrapped under itself at `width` columns.
pub(super) fn wrapped_pairs(name: &str, text: impl AsRef<str>, width: usize) -> Vec<Line<'static>> {
    let text = text.as_ref();
    let first = format!("  {name}  ");
    let indent = " ".repeat(first.len());
    crate::lesson::wrap::wrap(text, width.max(first.len() + 20), &first, &indent)
        .into_iter()
        .map(Line::raw)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::{Lang, scoped};

    fn row(dir: crate::proto::Dir) -> crate::session::Row {
        crate::session::Row::blank(crate::proto::Timestamp(0), Default::default(), Some(dir))
    }

    #[test]
    fn a_half_close_reads_in_chinese() {
        let c2s = scoped(Lang::ZhCn, || fin_words(&row(crate::proto::Dir::C2s)));
        assert!(c2s.starts_with("客户端发出 FIN："), "{c2s}");
        assert!(c2s.contains("半关闭"), "{c2s}");
        let en = scoped(Lang::En, || fin_words(&row(crate::proto::Dir::S2c)));
        assert!(
            en.starts_with("the server sent FIN: it will send nothing more"),
            "{en}"
        );
    }
}
