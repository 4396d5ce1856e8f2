use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;

fn k(c: KeyCode) -> KeyEvent {
    KeyEvent::from(c)
}

fn typed(c: &mut Composer, s: &str) {
    for ch in s.chars() {
        c.key(k(KeyCode::Char(ch))).expect("a key");
    }
}

fn composer() -> Composer {
    Composer::new("127.0.0.1:8080".into(), None)
}

/// Selects `f`, opens it, clears it, types `s` and keeps it.
fn set(c: &mut Composer, f: Field, s: &str) -> Result<bool, String> {
    c.at = c.fields().iter().position(|x| *x == f).expect("the field");
    c.key(k(KeyCode::Enter))?;
    c.key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL))?;
    typed(c, s);
    c.key(k(KeyCode::Enter))
}

#[test]
fn typing_into_the_form_changes_the_bytes() {
    let mut c = composer();
    set(&mut c, Field::Method, "POST").unwrap();
    set(&mut c, Field::Path, "/echo?q=1").unwrap();
    set(&mut c, Field::Body, r"a\r\nb").unwrap();
    c.at = 2;
    c.key(k(KeyCode::Enter)).unwrap();
    assert_eq!(c.form.minor, 0, "Enter on the version switches it");
    assert_eq!(
        c.form.bytes().unwrap(),
        b"POST /echo?q=1 HTTP/1.0\r\nHost: 127.0.0.1:8080\r\nContent-Length: 4\r\n\r\na\r\nb"
    );
}

#[test]
fn headers_are_added_edited_and_removed() {
    let mut c = composer();
    c.at = 4; // Host
    c.key(k(KeyCode::Char('a'))).unwrap();
    typed(&mut c, "X-Two: 2");
    c.key(k(KeyCode::Enter)).unwrap();
    assert_eq!(c.form.headers[1], ("X-Two".into(), "2".into()));
    assert_eq!(c.field(), Field::Header(1));
    // Not a header: the line stays open and the status line says why.
    c.key(k(KeyCode::Enter)).unwrap();
    c.key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL))
        .unwrap();
    typed(&mut c, "nocolon");
    let e = c.key(k(KeyCode::Enter)).unwrap_err();
    assert!(e.contains("Name: value"), "{e}");
    assert!(c.editing.is_some());
    c.key(k(KeyCode::Esc)).unwrap();
    assert_eq!(
        c.form.headers[1],
        ("X-Two".into(), "2".into()),
        "Esc cancels"
    );
    c.key(k(KeyCode::Char('d'))).unwrap();
    assert_eq!(c.form.headers.len(), 1);
    // A header added and left empty goes.
    c.key(k(KeyCode::Char('a'))).unwrap();
    c.key(k(KeyCode::Esc)).unwrap();
    assert_eq!(c.form.headers.len(), 1);
}

#[test]
fn the_computed_length_can_be_removed_or_overridden() {
    let mut c = composer();
    set(&mut c, Field::Body, "hello").unwrap();
    assert!(c.fields().contains(&Field::Length));
    assert_eq!(c.text(Field::Length), "Content-Length: 5");
    set(&mut c, Field::Length, "Content-Length: 2").unwrap();
    assert!(!c.fields().contains(&Field::Length));
    let b = c.form.bytes().unwrap();
    assert!(b.ends_with(b"Content-Length: 2\r\n\r\nhello"), "{b:?}");
    let mut c = composer();
    set(&mut c, Field::Body, "hello").unwrap();
    c.at = c.fields().iter().position(|f| *f == Field::Length).unwrap();
    c.key(k(KeyCode::Char('d'))).unwrap();
    assert_eq!(
        c.form.bytes().unwrap(),
        b"GET /echo HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\nhello"
    );
}

#[test]
fn the_raw_mode_starts_from_the_form_and_sends_what_is_typed() {
    let mut c = composer();
    c.at = 3;
    c.key(k(KeyCode::Enter)).unwrap();
    assert_eq!(c.form.how, How::Kept);
    c.key(k(KeyCode::Enter)).unwrap();
    assert_eq!(c.form.how, How::Raw);
    assert_eq!(
        c.fields(),
        [Field::How, Field::Raw(0), Field::Raw(1), Field::Raw(2)]
    );
    set(&mut c, Field::Raw(0), r"GET /x HTTP/1.0\n").unwrap();
    c.at = 1;
    c.key(k(KeyCode::Char('a'))).unwrap();
    typed(&mut c, r"X: y\r\n");
    c.key(k(KeyCode::Enter)).unwrap();
    assert_eq!(
        c.form.bytes().unwrap(),
        b"GET /x HTTP/1.0\nX: y\r\nHost: 127.0.0.1:8080\r\n\r\n"
    );
    let curl = {
        c.key(k(KeyCode::Char('y'))).unwrap();
        c.curl.clone().expect("shown")
    };
    assert!(curl.ends_with("| nc 127.0.0.1 8080"), "{curl}");
    c.key(k(KeyCode::Char('y'))).unwrap();
    assert!(c.curl.is_none(), "y again hides it");
}

#[test]
fn keys_that_are_not_the_composers_go_behind_and_esc_hides_it() {
    let mut c = composer();
    assert_eq!(c.key(k(KeyCode::Char('w'))), Ok(false));
    assert_eq!(c.key(k(KeyCode::Esc)), Ok(true));
    assert!(!c.open);
}
