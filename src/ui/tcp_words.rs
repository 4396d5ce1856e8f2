//! The inspector's sentences about a TCP entry: what a close or a half-close means, and the
//! `name  text` pairs it wraps them in.

use ratatui::text::Line;

/// What a `tcp_close` means, in a sentence.
pub(super) fn close_words(row: &crate::session::Row) -> &'static str {
    use crate::proto::event::CloseHow;
    let server = row.dir == Some(crate::proto::Dir::S2c);
    match (crate::session::close_how(row.code), server) {
        // A FIN says only "no more bytes from me": a WebSocket peer that dies sends one too,
        // with no close frame before it.
        (CloseHow::Fin, true) => "the server sent its FIN first: no more bytes from it",
        (CloseHow::Fin, false) => "the client sent its FIN first: no more bytes from it",
        _ if crate::session::close_why(row.code).is_some() => {
            crate::session::close_why(row.code).map_or("", stall_words)
        }
        (CloseHow::Rst, _) => "an RST: the connection is forgotten at once, unsent data lost",
        (CloseHow::Timeout, _) => "the server closed it after it sat idle past its idle timeout",
        (CloseHow::Eof, _) => "the capture ended with the connection still open",
    }
}

/// Why the server gave up on a connection, in a sentence.
fn stall_words(why: crate::proto::event::Stall) -> &'static str {
    use crate::proto::event::Stall;
    match why {
        Stall::Idle => "the server closed it after it sat idle past its idle timeout",
        Stall::FirstByte => "the server closed it: nothing came after the connect",
        Stall::Head => "the server answered 408: the request head took too long",
        Stall::Body => "the server gave up on it: the request body stopped arriving",
        Stall::Write => "the server aborted it (RST): the client stopped reading its answer",
        Stall::WsIdle => "the server closed it: the WebSocket client answered no ping",
    }
}

/// What a `tcp_fin` means, in a sentence.
pub(super) fn fin_words(row: &crate::session::Row) -> &'static str {
    if row.dir == Some(crate::proto::Dir::C2s) {
        "the client sent FIN: it will send nothing more, but the server may still send \
         (a half-close); the connection ends later"
    } else {
        "the server sent FIN: it will send nothing more, but the client may still send \
         (a half-close); the connection ends later"
    }
}

/// `  name  text`, the text wrapped under itself at `width` columns.
pub(super) fn wrapped_pairs(name: &str, text: &str, width: usize) -> Vec<Line<'static>> {
    let first = format!("  {name}  ");
    let indent = " ".repeat(first.len());
    crate::lesson::wrap::wrap(text, width.max(first.len() + 20), &first, &indent)
        .into_iter()
        .map(Line::raw)
        .collect()
}
