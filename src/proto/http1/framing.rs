//! The message-length rules, in one place.

use super::{Framing, Head, HttpError, HttpErrorKind, Role};

/// What follows a head on the wire.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum BodyPlan {
    Body(Framing),
    /// The head ends HTTP on this direction (101, or 2xx to CONNECT).
    Switch,
}

/// Decides how the body after `head` is delimited, per RFC 9112 §6.3 (message body length).
/// `request_method` is the method of the request a response answers (None if unknown).
/// Rule numbers in the comments are the list items of §6.3.
pub(super) fn body_plan(
    role: Role,
    head: &Head,
    request_method: Option<&str>,
) -> Result<BodyPlan, HttpError> {
    if role == Role::Response {
        let status = head.status.unwrap_or(200);
        // 2: a 2xx to CONNECT turns the connection into a tunnel; 101 hands it to another protocol
        // (RFC 9110 §15.2.2).
        if status == 101 || (request_method == Some("CONNECT") && (200..300).contains(&status)) {
            return Ok(BodyPlan::Switch);
        }
        // 1: no body after HEAD, 1xx, 204 and 304, whatever the length headers say.
        if request_method == Some("HEAD") || status < 200 || status == 204 || status == 304 {
            return Ok(BodyPlan::Body(Framing::None));
        }
    }
    // 3, 4: Transfer-Encoding overrides Content-Length (both together hints at smuggling).
    if let Some(at) = head.header_index("transfer-encoding") {
        let last = head
            .header_all("transfer-encoding")
            .flat_map(|v| v.split(','))
            .map(|t| t.trim_matches([' ', '\t']))
            .filter(|t| !t.is_empty())
            .last()
            .unwrap_or("");
        if last.eq_ignore_ascii_case("chunked") {
            return Ok(BodyPlan::Body(Framing::Chunked));
        }
        return match role {
            // A response may end its body by closing the connection.
            Role::Response => Ok(BodyPlan::Body(Framing::UntilClose)),
            // A request cannot: the server has no way to find its end.
            Role::Request => Err(error_at(
                head,
                at,
                HttpErrorKind::TransferEncodingNotChunked(field(head, at)),
            )),
        };
    }
    // 5, 6: Content-Length, where repeated identical values (also as a list) are allowed.
    let mut length: Option<u64> = None;
    for (i, (name, value)) in head.headers.iter().enumerate() {
        if !name.eq_ignore_ascii_case("content-length") {
            continue;
        }
        for item in value.split(',') {
            let item = item.trim_matches([' ', '\t']);
            let Some(n) = parse_decimal(item) else {
                return Err(error_at(
                    head,
                    i,
                    HttpErrorKind::BadContentLength(value.clone()),
                ));
            };
            match length {
                Some(first) if first != n => {
                    return Err(error_at(
                        head,
                        i,
                        HttpErrorKind::ConflictingLengths { first, second: n },
                    ));
                }
                _ => length = Some(n),
            }
        }
    }
    Ok(BodyPlan::Body(match (length, role) {
        (Some(n), _) => Framing::Length(n),
        // 7: a request with neither header has no body.
        (None, Role::Request) => Framing::None,
        // 8: a response with neither runs until the server closes.
        (None, Role::Response) => Framing::UntilClose,
    }))
}

/// `1*DIGIT` without sign or spaces, overflow-checked.
fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.bytes().try_fold(0u64, |n, b| {
        n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    })
}

fn field(head: &Head, i: usize) -> String {
    head.headers
        .get(i)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// An error pointing at header line `i` of `head`.
fn error_at(head: &Head, i: usize, kind: HttpErrorKind) -> HttpError {
    let offset = head
        .header_ranges
        .get(i)
        .map_or(head.range.start, |r| r.start);
    HttpError { offset, kind }
}

#[cfg(test)]
mod tests {
    use super::parse_decimal;

    #[test]
    fn decimal_rejects_signs_spaces_and_overflow() {
        assert_eq!(parse_decimal("0"), Some(0));
        assert_eq!(parse_decimal("18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_decimal("18446744073709551616"), None);
        assert_eq!(parse_decimal("+5"), None);
        assert_eq!(parse_decimal(""), None);
        assert_eq!(parse_decimal("5 "), None);
    }
}
