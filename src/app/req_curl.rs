//! "Copy as curl": the command line that sends what the composer sends, shell-quoted.

use super::req_form::{Form, How};

/// The curl command for `form` sent to `addr` (`127.0.0.1:PORT`); in the raw mode, where
/// curl cannot send bytes as typed, the same bytes through `nc`.
pub fn command(form: &Form, addr: &str) -> Result<String, String> {
    let (host, port) = addr.rsplit_once(':').unwrap_or((addr, "80"));
    if form.how == How::Raw {
        let bytes = form.bytes()?;
        return Ok(format!(
            "printf {} | nc {host} {port}",
            printf_quote(&bytes)
        ));
    }
    let mut out = vec!["curl".to_string(), "-v".into()];
    if form.minor == 0 {
        out.push("--http1.0".into());
    }
    let method = form.method.as_str();
    let has_body = !form.body.is_empty() || form.auto_length().is_some();
    match method {
        "GET" if !has_body => {}
        "HEAD" if !has_body => out.push("-I".into()),
        m => out.extend(["-X".into(), quote(m)]),
    }
    let has = |name: &str| {
        form.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    };
    for (n, v) in &form.headers {
        if n.eq_ignore_ascii_case("host") && v == addr {
            continue; // curl writes the same Host line
        }
        // `Name;` is curl's way to send a header with an empty value.
        let line = if v.is_empty() {
            format!("{n};")
        } else {
            format!("{n}: {v}")
        };
        out.extend(["-H".into(), quote(&line)]);
    }
    // curl adds these unless told not to: an empty value removes them.
    for name in ["User-Agent", "Accept"] {
        if !has(name) {
            out.extend(["-H".into(), quote(&format!("{name}:"))]);
        }
    }
    if has_body && form.auto_length().is_none() && !has("content-length") {
        out.extend(["-H".into(), quote("Content-Length:")]);
    }
    let mut pipe = None;
    if has_body {
        if form.body.contains(&0) {
            // A shell argument cannot hold a NUL byte: the body comes on stdin.
            pipe = Some(format!("printf {} | ", printf_quote(&form.body)));
            out.extend(["--data-binary".into(), "@-".into()]);
        } else {
            out.extend(["--data-binary".into(), quote_bytes(&form.body)]);
        }
    }
    if form.path.starts_with('/') {
        out.push(quote(&format!("http://{addr}{}", form.path)));
    } else {
        out.extend(["--request-target".into(), quote(&form.path)]);
        out.push(quote(&format!("http://{addr}/")));
    }
    Ok(format!("{}{}", pipe.unwrap_or_default(), out.join(" ")))
}

/// `s` as one shell word: bare when every character is safe, in single quotes otherwise, and
/// as `$'...'` when it holds control characters.
pub fn quote(s: &str) -> String {
    quote_bytes(s.as_bytes())
}

/// As [`quote`], for bytes that may not be UTF-8 (never a NUL: see [`printf_quote`]).
pub fn quote_bytes(b: &[u8]) -> String {
    let safe = |c: u8| c.is_ascii_alphanumeric() || b"_./:=@%+,-".contains(&c);
    if !b.is_empty() && b.iter().all(|&c| safe(c)) {
        return String::from_utf8_lossy(b).into_owned();
    }
    let plain = std::str::from_utf8(b)
        .ok()
        .filter(|s| !s.contains(char::is_control));
    if let Some(s) = plain {
        return format!("'{}'", s.replace('\'', r"'\''"));
    }
    let mut out = String::from("$'");
    for chunk in b.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str(r"\\"),
                '\'' => out.push_str(r"\'"),
                '\n' => out.push_str(r"\n"),
                '\r' => out.push_str(r"\r"),
                '\t' => out.push_str(r"\t"),
                c if c.is_control() => {
                    let mut buf = [0; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        out.push_str(&format!("\\x{b:02x}"));
                    }
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out.push('\'');
    out
}

/// A printf format writing exactly `b` (octal escapes for the rest), quoted for the shell.
pub fn printf_quote(b: &[u8]) -> String {
    let mut f = String::new();
    for &c in b {
        match c {
            b'%' => f.push_str("%%"),
            b'\\' => f.push_str(r"\\"),
            b' '..=b'~' => f.push(c as char),
            _ => f.push_str(&format!("\\{c:03o}")),
        }
    }
    format!("'{}'", f.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> Form {
        Form::new("127.0.0.1:8080")
    }

    #[test]
    fn a_plain_get_is_curl_with_its_added_headers_removed() {
        assert_eq!(
            command(&form(), "127.0.0.1:8080").unwrap(),
            "curl -v -H User-Agent: -H Accept: http://127.0.0.1:8080/echo"
        );
    }

    #[test]
    fn a_post_over_http10_with_quotes_in_values() {
        let mut f = form();
        f.method = "POST".into();
        f.minor = 0;
        f.headers.push(("X-Note".into(), "it's here".into()));
        f.body = b"a b'c".to_vec();
        assert_eq!(
            command(&f, "127.0.0.1:8080").unwrap(),
            r#"curl -v --http1.0 -X POST -H 'X-Note: it'\''s here' -H User-Agent: -H Accept: --data-binary 'a b'\''c' http://127.0.0.1:8080/echo"#
        );
    }

    #[test]
    fn control_bytes_go_in_dollar_quotes_and_a_nul_comes_on_stdin() {
        assert_eq!(quote_bytes(b"a\nb'\\\xff"), r"$'a\nb\'\\\xff'");
        let mut f = form();
        f.method = "PUT".into();
        f.body = b"\x00%'".to_vec();
        let c = command(&f, "127.0.0.1:8080").unwrap();
        assert!(
            c.starts_with(r"printf '\000%%'\''' | curl -v -X PUT"),
            "{c}"
        );
        assert!(c.contains("--data-binary @- "), "{c}");
    }

    #[test]
    fn a_removed_length_an_empty_value_and_an_odd_target_say_so() {
        let mut f = form();
        f.method = "POST".into();
        f.body = b"x".to_vec();
        f.auto_length = false;
        f.headers.push(("X-Empty".into(), String::new()));
        f.path = "*".into();
        let c = command(&f, "127.0.0.1:8080").unwrap();
        assert!(c.contains("-H 'X-Empty;'"), "{c}");
        assert!(c.contains("-H Content-Length:"), "{c}");
        assert!(
            c.ends_with("--request-target '*' http://127.0.0.1:8080/"),
            "{c}"
        );
    }

    #[test]
    fn raw_bytes_go_through_nc() {
        let mut f = form();
        f.how = How::Raw;
        f.raw = vec![r"GET / HTTP/1.0\n".into(), r"\n".into()];
        assert_eq!(
            command(&f, "127.0.0.1:8080").unwrap(),
            r"printf 'GET / HTTP/1.0\012\012' | nc 127.0.0.1 8080"
        );
    }
}
