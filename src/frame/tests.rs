use super::print::describe;
use super::send::parse_url;
use super::*;
use crate::lang::{Lang, scoped};

/// The frames `duplex frame ARGS` describes.
fn specs(args: &[&str]) -> Result<Vec<FrameSpec>, String> {
    use clap::Parser;
    let argv = ["duplex", "frame"].iter().chain(args);
    let cli = crate::cli::Cli::try_parse_from(argv).map_err(|e| e.to_string())?;
    match cli.command {
        Some(crate::cli::Command::Frame(a)) => frames(&a),
        other => panic!("{other:?}"),
    }
}

fn en(specs: &[FrameSpec]) -> Vec<String> {
    scoped(Lang::En, || describe(specs, 100))
}

#[test]
fn the_rfc_hello_bit_by_bit() {
    let lines = en(&specs(&["--text", "Hello", "--mask", "37fa213d"]).unwrap());
    let text = lines.join("\n");
    for want in [
        "Frame 1 of 1: text, payload 5 bytes",
        "  first byte 1000 0001",
        "    FIN          1          final frame of its message",
        "    RSV1         0",
        "    opcode       0001       1 = text",
        "  second byte 1000 0101",
        "    MASK         1          masked",
        "    Payload len  0000101    5",
        "  masking key 37 fa 21 3d: payload byte i is XORed with key byte i mod 4",
        "    unmasked  48 65 6c 6c 6f",
        "    XOR key   37 fa 21 3d 37",
        "    masked    7f 9f 4d 51 58",
        "  as text: \"Hello\"",
        "    81 85 37 fa 21 3d 7f 9f 4d 51 58",
        "  No rule broken: a server takes these frames.",
    ] {
        assert!(lines.iter().any(|l| l == want), "{want:?} not in\n{text}");
    }
}

#[test]
fn every_preset_gets_its_verdict() {
    for p in Preset::ALL {
        // Words as read, the wrapping undone.
        let text = en(&p.frames()).join(" ");
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        match p.expected_close() {
            Some(code) => assert!(
                text.contains(&format!("close the connection with {code} (")),
                "{p:?}:\n{text}"
            ),
            None => assert!(text.contains("No rule broken"), "{p:?}:\n{text}"),
        }
    }
    let text = en(&Preset::Unmasked.frames()).join(" ");
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        text.contains("frame 1, byte 1: client frame is not masked"),
        "{text}"
    );
    assert!(text.contains("(RFC 6455 §5.1)"), "{text}");
}

#[test]
fn long_lengths_lies_and_fragments() {
    let text = en(&specs(&["--hex", "00 01", "--len", "64:2", "--no-mask"]).unwrap()).join("\n");
    assert!(text.contains("Payload len  1111111    the length is in the next 8 bytes"));
    assert!(text.contains("extended payload length, 8 bytes 00 00 00 00 00 00 00 02: 2"));
    assert!(text.contains("payload length uses a longer form"), "{text}");
    let lie = en(&specs(&["--text", "hi", "--len", "100"]).unwrap()).join("\n");
    assert!(
        lie.contains("the header announces 100 bytes but 2 follow"),
        "{lie}"
    );
    assert!(
        lie.contains("98 more byte(s)") && lie.contains("Nothing to close yet"),
        "{lie}"
    );
    let v = specs(&["--text", "abcdef", "--fragments", "3", "--ping-between"]).unwrap();
    let ops: Vec<(u8, bool)> = v.iter().map(|f| (f.opcode, f.fin)).collect();
    assert_eq!(ops, [(1, false), (9, true), (0, false), (0, true)]);
    assert!(v.iter().all(|f| f.mask.is_some()));
    let text = en(&v).join("\n");
    assert!(text.contains("Frame 4 of 4") && text.contains("All the frames together"));
}

#[test]
fn every_field_from_its_flag() {
    let v = specs(&["--opcode", "5", "--no-fin", "--rsv2", "--rsv3", "--no-mask"]).unwrap();
    assert_eq!(
        (v[0].opcode, v[0].fin, v[0].rsv, v[0].mask),
        (5, false, 3, None)
    );
    let v = specs(&[
        "--fin", "false", "--rsv", "4", "--close", "1000", "--reason", "bye",
    ])
    .unwrap();
    assert_eq!((v[0].opcode, v[0].fin, v[0].rsv), (8, false, 4));
    assert_eq!(v[0].payload, b"\x03\xe8bye");
    assert_eq!(specs(&["--hex", "c328"]).unwrap()[0].opcode, 2);
    assert_eq!(specs(&["--opcode", "pong"]).unwrap()[0].opcode, 10);
    let v = specs(&["--len", "16:7", "--text", "x"]).unwrap();
    assert_eq!(v[0].len, LenForm::Sixteen(7));
    // Refused with a message naming the value.
    for (args, says) in [
        (&["--opcode", "16"][..], "\"16\" is no opcode"),
        (&["--mask", "12345"], "no masking key"),
        (&["--hex", "abc"], "not hex bytes"),
        (&["--len", "126"], "no length form"),
        (&["--len", "32:5"], "no length form"),
        (&["--preset", "nope"], "no preset \"nope\""),
        (
            &["--text", "ab", "--fragments", "2", "--len", "3"],
            "--len sets one frame",
        ),
    ] {
        let e = scoped(Lang::En, || specs(args)).unwrap_err();
        assert!(e.contains(says), "{args:?}: {e}");
    }
}

#[test]
fn urls() {
    let ok = |u: &str| parse_url(u).unwrap();
    assert_eq!(
        ok("ws://127.0.0.1:8080/ws/echo"),
        ("127.0.0.1".into(), 8080, "/ws/echo".into())
    );
    assert_eq!(ok("ws://localhost"), ("localhost".into(), 80, "/".into()));
    assert_eq!(ok("ws://[::1]:9/x?y=1"), ("::1".into(), 9, "/x?y=1".into()));
    assert_eq!(ok("WS://h:1?q"), ("h".into(), 1, "/?q".into()));
    for bad in ["http://x", "ws://", "ws://h:99999/", "ws://[::1/", "x"] {
        assert!(parse_url(bad).is_err(), "{bad}");
    }
    assert!(
        scoped(Lang::En, || parse_url("wss://x"))
            .unwrap_err()
            .contains("TLS")
    );
}

#[test]
fn chinese_within_100_columns() {
    for p in Preset::ALL {
        let lines = scoped(Lang::ZhCn, || describe(&p.frames(), 100));
        for l in &lines {
            assert!(crate::lesson::wrap::cols(l) <= 100, "{l}");
        }
        let text = lines.join("\n");
        assert!(
            text.contains("第 1 帧") && text.contains("服务器会怎么说"),
            "{text}"
        );
    }
}
