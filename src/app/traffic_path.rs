//! `E`: the panes show what an eavesdropper on the path sees (addresses, ports, the TLS
//! records with their sizes and times, the handshake in clear) or what the endpoints see (the
//! decrypted HTTP and WebSocket rows too).

use super::Traffic;

/// The key bar of a screen (`replay`, `sandbox`, `lesson`) whose panes hold TLS: `E` in it,
/// named after the view it switches to.
pub fn key_bar_tls(screen: &str, short: bool, outsider: bool) -> String {
    let key = match (screen, short) {
        ("replay", true) => "bar.short.replay_tls",
        ("replay", false) => "bar.long.replay_tls",
        ("sandbox", true) => "bar.short.sandbox_tls",
        ("sandbox", false) => "bar.long.sandbox_tls",
        (_, true) => "bar.short.lesson_tls",
        (_, false) => "bar.long.lesson_tls",
    };
    let view = if outsider {
        crate::tr!("bar.view_endpoints")
    } else {
        crate::tr!("bar.view_outsider")
    };
    crate::tr!(key, view = view)
}

impl Traffic {
    /// Whether the panes show only what an eavesdropper sees.
    pub fn outsider(&self) -> bool {
        self.outsider
    }

    /// Switches between the eavesdropper's view and the endpoints'; the typed filter stays, and
    /// the selection moves to the nearest row still shown.
    pub fn toggle_outsider(&mut self) {
        self.outsider = !self.outsider;
        self.ladder.outsider = self.outsider;
        let line = self
            .filter
            .as_ref()
            .map_or(String::new(), |(l, _)| l.clone());
        // The typed line was read once already: it reads again.
        let _ = self.set_filter(&line);
    }
}

#[cfg(test)]
mod tests {
    use crate::app::traffic::Traffic;
    use crate::session::RowKind;

    #[test]
    fn the_eavesdropper_sees_records_not_what_they_carry() {
        let mut t = Traffic::default();
        for ev in crate::session::tls_tests::wss_echo() {
            t.push(&ev);
        }
        // Connection 1 is plain ws://: an eavesdropper reads all of it. Connection 2 is wss://.
        let kinds_of = |t: &Traffic, conn: u32| -> Vec<RowKind> {
            (0..t.len())
                .filter(|&i| t.passes(i) && t.session.row(i).conn == conn)
                .map(|i| t.session.row(i).kind)
                .collect()
        };
        let kinds = |t: &Traffic| kinds_of(t, 2);
        let plain = kinds_of(&t, 1);
        assert!(plain.contains(&RowKind::WsFrame));
        let all = kinds(&t);
        assert!(all.contains(&RowKind::WsFrame) && all.contains(&RowKind::HttpRequest));
        t.select_last();
        t.toggle_outsider();
        assert!(t.outsider());
        let seen = kinds(&t);
        assert!(seen.contains(&RowKind::TlsRecord), "{seen:?}");
        for hidden in [
            RowKind::WsFrame,
            RowKind::HttpRequest,
            RowKind::HttpResponse,
            RowKind::TlsKeys,
        ] {
            assert!(!seen.contains(&hidden), "{hidden:?} in {seen:?}");
        }
        assert_eq!(
            kinds_of(&t, 1),
            plain,
            "nothing of ws:// is hidden from the path"
        );
        let sel = t.selected().expect("a row stays selected");
        assert!(t.passes(sel), "the selection moved to a row shown");
        assert_eq!(t.filter_line(), None, "no typed filter appears");
        // A typed filter keeps the view, and clearing it too.
        t.set_filter("proto=tcp").unwrap();
        assert!(kinds(&t).iter().all(|k| *k != RowKind::WsFrame));
        t.set_filter("").unwrap();
        assert_eq!(kinds(&t), seen);
        t.toggle_outsider();
        assert_eq!(kinds(&t), all);
    }
}
