use super::*;

const CR: &str = "52d8a1e5b2f00e3d54f4a1b3a5d2e7c8f00112233445566778899aabbccddeeff";

#[test]
fn reads_the_nss_lines_and_writes_them_back() {
    let cr = &CR[1..];
    let text = format!(
        "# SSL/TLS secrets log file\n\nCLIENT_RANDOM {cr} {}\nSERVER_TRAFFIC_SECRET_0 {cr} {}\n",
        "ab".repeat(48),
        "CD".repeat(32)
    );
    let (keys, problems) = KeyLog::parse(&text);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(keys.len(), 2);
    let random = unhex(cr).unwrap();
    assert_eq!(keys.get("CLIENT_RANDOM", &random), Some(&[0xab; 48][..]));
    assert_eq!(
        keys.get("SERVER_TRAFFIC_SECRET_0", &random),
        Some(&[0xcd; 32][..])
    );
    assert_eq!(keys.get("CLIENT_TRAFFIC_SECRET_0", &random), None);
    let again = KeyLog::parse(&keys.to_nss()).0;
    assert_eq!(again, keys);
    assert!(
        keys.to_nss()
            .starts_with(&format!("CLIENT_RANDOM {cr} abab"))
    );
}

#[test]
fn bad_lines_are_named_by_number_and_the_rest_is_kept() {
    let cr = &CR[1..];
    let text = format!(
        "CLIENT_RANDOM {cr}\nNOPE {cr} 00\nCLIENT_RANDOM abc 00\nCLIENT_RANDOM {cr} zz\n\
         CLIENT_RANDOM 00 00\nCLIENT_RANDOM {cr} 0011\n"
    );
    let (keys, problems) = KeyLog::parse(&text);
    assert_eq!(keys.len(), 1);
    assert_eq!(problems.len(), 5, "{problems:?}");
    assert!(
        problems[0].starts_with("line 1: not `LABEL"),
        "{problems:?}"
    );
    assert!(problems[1].contains("unknown label `NOPE`"), "{problems:?}");
    assert!(
        problems[2].contains("client_random is not hex"),
        "{problems:?}"
    );
    assert!(problems[3].contains("secret is not hex"), "{problems:?}");
    assert!(
        problems[4].contains("client_random of 1 bytes"),
        "{problems:?}"
    );
}

#[test]
fn a_later_secret_replaces_an_earlier_one() {
    let mut keys = KeyLog::new();
    keys.insert("EXPORTER_SECRET", &[1; 32], &[2; 32]);
    keys.insert("EXPORTER_SECRET", &[1; 32], &[3; 32]);
    keys.insert("SOMETHING_NEW", &[1; 32], &[3; 32]);
    assert_eq!(keys.len(), 1);
    assert_eq!(keys.get("EXPORTER_SECRET", &[1; 32]), Some(&[3; 32][..]));
}

proptest::proptest! {
    #[test]
    fn any_text_parses_without_panic(text in "\\PC{0,300}") {
        let (keys, problems) = KeyLog::parse(&text);
        proptest::prop_assert!(keys.len() + problems.len() <= text.lines().count());
    }
}
