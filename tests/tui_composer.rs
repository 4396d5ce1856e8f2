//! The composer in a real terminal: the sandbox, `w`, `C`, the unmasked preset, `s`; then, with
//! no more keys, the screen shows the frame drawn bit by bit and the server's 1002 close.

mod tmux;

use tmux::{Tmux, have_tmux};

#[test]
fn the_unmasked_preset_sent_from_the_composer_shows_the_frame_and_the_1002_close() {
    if !have_tmux() {
        eprintln!("SKIP: no tmux");
        return;
    }
    let data = tempfile::tempdir().expect("a temp dir");
    let t = Tmux::start("duplex-composer", data.path());
    t.wait_for("Replay a capture");
    // The sandbox is the home's last line.
    t.keys(&["G", "Enter"]);
    t.wait_for("Sandbox");
    t.keys(&["w"]);
    t.wait_for("WebSocket /ws/echo → 101");
    t.keys(&["C"]);
    t.wait_for("What the server's decoder will say:");
    t.keys(&["p"]);
    t.wait_for("a client frame with no mask");
    t.keys(&["s"]);
    // No key after this one: the answer has to come by itself.
    let s = t.wait("the server's close", |s| {
        s.contains("The server closed with 1002") && s.contains("MASK=0")
    });
    assert!(s.contains("FIN=1 RSV=000 opcode=0001 (text)"), "{s}");
    assert!(s.contains("client frame is not masked"), "{s}");
}
