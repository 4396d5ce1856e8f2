//! Every name the loader accepts, in one place: the schema test and the hints read these.

/// Each action kind (`do = ...`) and the fields it takes (`do` and `label` go with every one).
pub const ACTIONS: &[(&str, &[&str])] = &[
    (
        "http",
        &[
            "path",
            "method",
            "headers",
            "body",
            "version",
            "connection",
            "repeat",
            "tls",
        ],
    ),
    ("tcp_send", &["conn", "data", "hex"]),
    ("tcp_read", &["conn", "limit", "timeout"]),
    ("tcp_close", &["conn", "how"]),
    ("ws_connect", &["conn", "path", "headers", "deflate", "tls"]),
    (
        "ws_send",
        &["conn", "text", "binary", "fragments", "opcode"],
    ),
    ("ws_ping", &["conn", "payload"]),
    ("ws_close", &["conn", "code", "reason"]),
    ("ws_recv", &["conn", "count", "timeout"]),
    ("ws_raw", &["conn", "hex"]),
    ("ws_drop", &["conn", "how"]),
    ("wait", &["seconds", "until", "count", "timeout"]),
    ("keepalive", &["seconds", "announce"]),
    ("ws_idle", &["seconds"]),
    ("origins", &["allow"]),
    ("server_drop", &["conn", "how"]),
    ("ticker", &["via", "updates", "hz"]),
    ("chat_users", &["count", "room"]),
    ("replay", &["capture"]),
];

/// The parameters a `ws_connect`'s `deflate` table may give (RFC 7692 §7.1).
pub const DEFLATE_PARAMS: [&str; 4] = [
    "client_no_context_takeover",
    "server_no_context_takeover",
    "client_max_window_bits",
    "server_max_window_bits",
];

/// Fields every action takes.
pub const ACTION_COMMON: &[&str] = &["do", "label"];

pub fn action_names() -> Vec<&'static str> {
    ACTIONS.iter().map(|(n, _)| *n).collect()
}

/// Fields of every event, as `--json` prints them, plus `label` (the action's).
pub const EVENT_COMMON: &[&str] = &["kind", "conn", "t", "dir", "label"];

/// Each event kind and its fields, as `src/output/json.rs` writes them. A unit test keeps
/// this table and the writer in step.
pub const EVENTS: &[(&str, &[&str])] = &[
    ("tcp_open", &["client", "server", "handshake", "live"]),
    ("tcp_close", &["how", "by"]),
    // The FIN's sender is the common `dir`.
    ("tcp_fin", &[]),
    (
        "http_request",
        &[
            "method",
            "target",
            "version",
            "headers",
            "header_bytes",
            "body_bytes",
            "streaming",
            "trailers",
            "body_follows",
            "body_complete",
        ],
    ),
    (
        "http_response",
        &[
            "status",
            "reason",
            "version",
            "headers",
            "header_bytes",
            "body_bytes",
            "streaming",
            "trailers",
            "ws_accept",
            "body_follows",
            "body_complete",
        ],
    ),
    // The end of a body whose message was reported at its head (`body_follows`).
    (
        "http_body",
        &["bytes", "wire_bytes", "framing", "complete", "trailers"],
    ),
    (
        "ws_frame",
        &[
            "fin",
            "rsv",
            "opcode",
            "masked",
            "payload_len",
            "payload_len_ext",
            "payload_bytes",
            "header_bytes",
            "mask_key",
            "close_code",
            "close_reason",
            "text",
        ],
    ),
    (
        "ws_message",
        &["opcode", "len", "frames", "compressed", "text"],
    ),
    (
        "sse_event",
        &["event", "data", "id", "retry", "bytes", "offset"],
    ),
    ("error", &["what", "layer", "offset"]),
    // Live only: the tap's queue was full (see `src/capture/tap_queue.rs`).
    ("skipped", &["skipped_bytes", "undecoded_bytes"]),
    // Another protocol's opening on the HTTP/1.1 port (see `src/proto/stranger.rs`).
    ("h2_preface", &["bytes"]),
    (
        "tls_handshake",
        &[
            "msg",
            "sni",
            "alpn",
            "versions",
            "suites",
            "version",
            "suite",
            "encrypted",
            "bytes",
        ],
    ),
    // A TLS connection's records and what it negotiated (see `src/proto/tls/`).
    (
        "tls_record",
        &[
            "content_type",
            "version",
            "length",
            "offset",
            "encrypted",
            "inner",
            "plaintext",
        ],
    ),
    (
        "tls_keys",
        &["version", "suite", "decrypting", "client_random", "need"],
    ),
    // `dir` is the side that sent no close frame; `code` is always 1006 (never on the wire).
    ("ws_abnormal_close", &["code", "how", "by"]),
];

/// Fields that take only these words, as `--json` writes them: any other value matches nothing.
pub const FIELD_VALUES: &[(&str, &[&str])] = &[
    ("dir", &["c2s", "s2c"]),
    ("by", &["c2s", "s2c"]),
    ("how", &["fin", "rst", "eof", "timeout"]),
    ("layer", &["tcp", "http", "websocket", "tls"]),
    (
        "msg",
        &[
            "client_hello",
            "server_hello",
            "hello_retry_request",
            "encrypted_extensions",
            "certificate",
            "certificate_request",
            "certificate_verify",
            "server_key_exchange",
            "server_hello_done",
            "client_key_exchange",
            "finished",
            "new_session_ticket",
            "end_of_early_data",
            "key_update",
        ],
    ),
    (
        "content_type",
        &[
            "change_cipher_spec",
            "alert",
            "handshake",
            "application_data",
            "heartbeat",
        ],
    ),
    (
        "inner",
        &[
            "change_cipher_spec",
            "alert",
            "handshake",
            "application_data",
            "heartbeat",
        ],
    ),
    ("framing", &["none", "length", "chunked", "until_close"]),
];

/// Fields that hold a map: `headers.NAME` reads one entry, in any case.
pub const MAP_FIELDS: &[&str] = &["headers", "trailers"];

/// `ws_accept` is an object; these are its fields.
pub const WS_ACCEPT: &[&str] = &["key", "expected", "ok"];

pub fn event_names() -> Vec<&'static str> {
    EVENTS.iter().map(|(n, _)| *n).collect()
}

pub fn event_fields(kind: &str) -> Option<&'static [&'static str]> {
    EVENTS.iter().find(|(n, _)| *n == kind).map(|(_, f)| *f)
}

/// The forms of an expectation: the key that names it, then the keys that go with it.
pub const EXPECT_FORMS: &[(&str, &[&str])] = &[
    ("count", &["equals", "at_least", "at_most"]),
    ("some", &[]),
    ("none", &[]),
    ("all", &["have"]),
    ("first", &["then", "within"]),
    ("same_conn", &[]),
    ("compare", &["of", "less_than", "more_than"]),
];

pub const CLAIMS: &[&str] = &[
    "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9", "C10", "C11", "C12", "C13", "C14", "C15",
    "C16", "C17", "C18",
];

pub const LESSON_KEYS: &[&str] = &["id", "title", "summary", "order", "part", "step"];
pub const STEP_KEYS: &[&str] = &[
    "id", "title", "claims", "text", "action", "expect", "question", "task", "table",
];
pub const TASK_KEYS: &[&str] = &[
    "goal",
    "until",
    "count",
    "connections",
    "timeout",
    "hints",
    "solution",
];
pub const HINT_KEYS: &[&str] = &["after", "text"];
pub const QUESTION_KEYS: &[&str] = &["ask", "choices", "answer", "answer_from", "explain"];
pub const TABLE_KEYS: &[&str] = &["rows", "metrics"];
