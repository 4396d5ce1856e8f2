use crossterm::event::{KeyCode, KeyEvent};

use super::*;
use crate::proto::ws::build::{FrameSpec, LenForm, Preset};

const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

fn form() -> Form {
    Form {
        key: KEY,
        ..Form::default()
    }
}

fn press(f: &mut Form, codes: &[KeyCode]) -> Reply {
    let mut last = Reply::Stay;
    for c in codes {
        last = f.key(KeyEvent::from(*c));
    }
    last
}

fn type_in(f: &mut Form, field: Field, text: &str) {
    f.field = field;
    press(f, &[KeyCode::Enter]);
    assert!(f.editing.is_some(), "{field:?} is typed");
    // Clear what is there, then type.
    for _ in 0..200 {
        press(f, &[KeyCode::Backspace]);
    }
    for c in text.chars() {
        press(f, &[KeyCode::Char(c)]);
    }
    press(f, &[KeyCode::Enter]);
}

fn one(f: &Form) -> FrameSpec {
    let s = f.specs().expect("specs");
    assert_eq!(s.len(), 1, "{s:?}");
    s.into_iter().next().unwrap()
}

#[test]
fn the_default_form_is_a_masked_text_frame() {
    let f = form();
    let s = one(&f);
    assert_eq!(
        s,
        FrameSpec {
            mask: Some(KEY),
            ..FrameSpec::new(1, "hello")
        }
    );
    assert!(!s.lies());
}

#[test]
fn every_preset_reads_back_into_the_form_and_out_the_same_frames() {
    for p in Preset::ALL {
        let f = Form::from_preset(p);
        assert_eq!(f.preset, Some(p));
        let mut want = p.frames();
        // Keys are random: the form uses one for every frame.
        for w in &mut want {
            if w.mask.is_some() {
                w.mask = Some(f.key);
            }
        }
        assert_eq!(f.specs().expect("specs"), want, "{}", p.id());
    }
}

#[test]
fn each_toggle_sets_its_bit() {
    let mut f = form();
    f.field = Field::Fin;
    press(&mut f, &[KeyCode::Char(' ')]);
    assert!(!one(&f).fin);
    f.field = Field::Rsv1;
    press(&mut f, &[KeyCode::Enter]);
    f.field = Field::Rsv3;
    press(&mut f, &[KeyCode::Right]);
    assert_eq!(one(&f).rsv, 0b101);
    f.field = Field::Mask;
    press(&mut f, &[KeyCode::Char(' ')]);
    assert_eq!(one(&f).mask, None);
    assert_eq!(one(&f).encode()[1] & 0x80, 0, "MASK bit clear on the wire");
}

#[test]
fn the_opcode_cycles_through_all_sixteen() {
    let mut f = form();
    f.field = Field::Opcode;
    let mut seen = Vec::new();
    for _ in 0..16 {
        press(&mut f, &[KeyCode::Right]);
        seen.push(one(&f).opcode);
    }
    seen.sort_unstable();
    assert_eq!(seen, (0..16).collect::<Vec<u8>>());
    f.opcode = 0;
    press(&mut f, &[KeyCode::Left]);
    assert_eq!(one(&f).opcode, 15);
}

#[test]
fn a_typed_key_masks_with_it_and_a_bad_one_is_refused() {
    let mut f = form();
    f.mask = false;
    type_in(&mut f, Field::Key, "0102 0304");
    assert_eq!(one(&f).mask, Some([1, 2, 3, 4]));
    type_in(&mut f, Field::Key, "12345");
    assert!(
        f.problem.as_deref().is_some_and(|p| p.contains("8 hex")),
        "{:?}",
        f.problem
    );
    assert!(f.editing.is_some(), "the line stays to be fixed");
    press(&mut f, &[KeyCode::Esc]);
    assert_eq!(f.editing, None);
    assert_eq!(one(&f).mask, Some([1, 2, 3, 4]));
    let before = f.key;
    press(&mut f, &[KeyCode::Char('r')]);
    assert_ne!(f.key, before, "r rolls a new key (2^-32 to fail)");
}

#[test]
fn the_length_form_cycles_honest_then_may_lie() {
    let mut f = form();
    f.field = Field::Length;
    press(&mut f, &[KeyCode::Right]);
    assert_eq!(one(&f).len, LenForm::Seven(5));
    press(&mut f, &[KeyCode::Right]);
    assert_eq!(one(&f).len, LenForm::Sixteen(5));
    assert_eq!(one(&f).header_bytes()[1] & 0x7f, 126);
    press(&mut f, &[KeyCode::Right]);
    assert_eq!(one(&f).len, LenForm::SixtyFour(5));
    press(&mut f, &[KeyCode::Right]);
    assert_eq!(one(&f).len, LenForm::Auto);
    press(&mut f, &[KeyCode::Right]);
    type_in(&mut f, Field::Length, "300");
    assert!(f.problem.is_some(), "300 is not a 7-bit length");
    press(&mut f, &[KeyCode::Esc]);
    type_in(&mut f, Field::Length, "9");
    let s = one(&f);
    assert_eq!(s.len, LenForm::Seven(9));
    assert!(s.lies());
}

#[test]
fn the_payload_is_typed_as_text_or_hex() {
    let mut f = form();
    f.field = Field::PayloadForm;
    press(&mut f, &[KeyCode::Char(' ')]);
    assert!(f.hex);
    assert_eq!(f.payload, "68 65 6c 6c 6f");
    type_in(&mut f, Field::Payload, "6f6b c328");
    assert_eq!(one(&f).payload, [0x6f, 0x6b, 0xc3, 0x28]);
    f.field = Field::PayloadForm;
    press(&mut f, &[KeyCode::Char(' ')]);
    assert!(f.hex, "not UTF-8: stays hex");
    assert!(f.problem.is_some());
    type_in(&mut f, Field::Payload, "zz");
    assert!(f.problem.is_some());
    press(&mut f, &[KeyCode::Esc]);
    type_in(&mut f, Field::Payload, "");
    f.field = Field::PayloadForm;
    press(&mut f, &[KeyCode::Char(' ')]);
    type_in(&mut f, Field::Payload, "hi there");
    assert_eq!(one(&f).payload, b"hi there");
}

#[test]
fn fragments_and_a_ping_between_them() {
    let mut f = form();
    f.payload = "abcdef".into();
    type_in(&mut f, Field::Fragments, "3");
    let s = f.specs().unwrap();
    let shape: Vec<(bool, u8, &[u8])> = s
        .iter()
        .map(|s| (s.fin, s.opcode, &s.payload[..]))
        .collect();
    assert_eq!(
        shape,
        [(false, 1, &b"ab"[..]), (false, 0, b"cd"), (true, 0, b"ef")]
    );
    assert!(s.iter().all(|s| s.mask == Some(KEY)));
    f.field = Field::PingBetween;
    press(&mut f, &[KeyCode::Char(' ')]);
    let s = f.specs().unwrap();
    assert_eq!(s.len(), 4);
    assert_eq!(
        (s[1].opcode, s[1].fin, &s[1].payload[..]),
        (9, true, PING_BETWEEN)
    );
    type_in(&mut f, Field::Fragments, "0");
    assert!(f.problem.is_some());
}

#[test]
fn a_close_code_makes_a_close_frame_with_its_reason() {
    let mut f = form();
    type_in(&mut f, Field::CloseCode, "999");
    let s = one(&f);
    assert_eq!((s.opcode, &s.payload[..]), (8, &[0x03, 0xe7][..]));
    type_in(&mut f, Field::Reason, "bye");
    assert_eq!(one(&f).payload, [0x03, 0xe7, b'b', b'y', b'e']);
    type_in(&mut f, Field::CloseCode, "");
    assert_eq!(
        one(&f).payload,
        b"hello",
        "no code: the typed payload again"
    );
    type_in(&mut f, Field::CloseCode, "x");
    assert!(f.problem.is_some());
}

#[test]
fn presets_cycle_and_a_change_by_hand_leaves_the_preset() {
    let mut f = form();
    press(&mut f, &[KeyCode::Char('p')]);
    assert_eq!(f.preset, Some(Preset::ALL[0]));
    press(&mut f, &[KeyCode::Char('P'), KeyCode::Char('P')]);
    assert_eq!(f.preset, Some(Preset::ALL[Preset::ALL.len() - 1]));
    f.field = Field::Fin;
    press(&mut f, &[KeyCode::Char(' ')]);
    assert_eq!(f.preset, None);
    assert_eq!(press(&mut f, &[KeyCode::Char('s')]), Reply::Send);
    assert_eq!(press(&mut f, &[KeyCode::Esc]), Reply::Leave);
}

#[test]
fn the_fields_go_round_with_arrows_and_tab() {
    let mut f = form();
    press(&mut f, &[KeyCode::Up]);
    assert_eq!(f.field, Field::Reason);
    press(&mut f, &[KeyCode::Tab, KeyCode::Tab]);
    assert_eq!(f.field, Field::Fin);
    press(&mut f, &[KeyCode::BackTab]);
    assert_eq!(f.field, Field::Preset);
}

#[test]
fn a_frame_of_the_ladder_fills_the_form() {
    // FIN + RSV1 + binary, bytes that are not text: hex, masked anew.
    let f = Form::from_frame(0xc2, &[0xff, 0x00, 0x41]);
    assert!(f.fin && f.mask);
    assert_eq!((f.rsv, f.opcode, f.fragments), (4, 2, 1));
    assert!(f.hex);
    assert_eq!(f.payload, "ff 00 41");
    assert_eq!(
        f.field,
        Field::Payload,
        "the payload is what one edits first"
    );
    assert_eq!(f.preset, None);
    // A text fragment with no FIN, from the server (no mask): sent back as a client, masked.
    let f = Form::from_frame(0x01, b"hi");
    assert!(!f.fin && f.mask && !f.hex);
    assert_eq!((f.opcode, f.payload.as_str()), (1, "hi"));
    let frames = f.specs().unwrap();
    assert_eq!(frames.len(), 1);
    assert!(!frames[0].fin);
    // A close: its code and reason in their fields.
    let f = Form::from_frame(0x88, &[0x03, 0xe8, b'b', b'y', b'e']);
    assert_eq!((f.opcode, f.close_code), (8, Some(1000)));
    assert_eq!(f.reason, "bye");
    assert_eq!(f.payload_bytes().unwrap(), [0x03, 0xe8, b'b', b'y', b'e']);
}
