//! The replay screen with a wss:// echo on its panes: `E` in the key bar and the help, and the
//! panes switching between what the endpoints see and what an eavesdropper sees, at both sizes
//! and in both languages.

use super::{key, screen, settle};
use crate::app::traffic::Traffic;
use crate::lang::{Lang, scoped};

/// The replay screen, its traffic replaced by the hand-built wss:// echo.
fn wss_app() -> crate::app::App {
    let (mut app, mut rx) = super::app();
    super::open_capture(&mut app, &mut rx);
    settle(&mut app, &mut rx);
    let mut t = Traffic::default();
    for ev in crate::session::tls_tests::wss_echo() {
        t.push(&ev);
    }
    t.select_last();
    app.player.as_mut().expect("a replay").traffic = t;
    app
}

#[test]
fn e_switches_the_panes_between_the_endpoints_and_the_eavesdropper() {
    let mut app = wss_app();
    for (lang, tag) in [(Lang::En, "en"), (Lang::ZhCn, "zh")] {
        for (w, h) in [(100, 30), (80, 24)] {
            let ends = scoped(lang, || screen(&app, w, h));
            snap!(format!("tls_endpoints_{tag}_{w}x{h}"), ends.clone());
            app.update(key('E'));
            let path = scoped(lang, || screen(&app, w, h));
            snap!(format!("tls_eavesdropper_{tag}_{w}x{h}"), path.clone());
            app.update(key('E'));
            // Back to the endpoints (the selection stays where the eavesdropper's view put it).
            let back = scoped(lang, || screen(&app, w, h));
            assert!(
                !back.contains("eavesdropper sees") && !back.contains("窃听者视角（"),
                "{back}"
            );
            if lang == Lang::En {
                assert!(ends.contains("E eavesdropper"), "{ends}");
                assert!(path.contains("E endpoints"), "{path}");
                assert!(path.contains("what an eavesdropper sees"), "{path}");
            } else {
                // A wide character's second cell reads as a space here.
                assert!(ends.replace(' ', "").contains("E窃听者视角"), "{ends}");
                assert!(path.replace(' ', "").contains("E两端视角"), "{path}");
            }
        }
    }
}

#[test]
fn the_help_lists_e() {
    let (mut app, _rx) = super::app();
    app.update(key('?'));
    let text = scoped(Lang::En, || screen(&app, 100, 60));
    assert!(text.contains("TLS: what an eavesdropper sees"), "{text}");
    let text = scoped(Lang::ZhCn, || screen(&app, 100, 60)).replace(' ', "");
    assert!(text.contains("窃听者"), "{text}");
}
