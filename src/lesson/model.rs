//! What a lesson file says, once checked: the typed form every other part of `lesson` reads.
//!
//! A lesson file is TOML (see `lessons/README.md`). The loader turns it into these types and
//! reports every problem with its line and column; the runner plays them; the views draw them.

use std::time::Duration;

/// Where something was written, 1-based, for messages like `lessons/x.toml:12:5: ...`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Lesson {
    /// Short, stable, lowercase with dashes: `keep-alive`. Progress is keyed by it.
    pub id: String,
    pub title: String,
    /// One line for the course list.
    pub summary: String,
    /// The lesson's place in the course: lessons are listed by `order`, then `id`.
    pub order: u32,
    /// The part of the course it belongs to ("HTTP", "WebSocket", "Choosing"); may be empty.
    pub part: String,
    pub steps: Vec<Step>,
    /// The file it came from (`lessons/03-keep-alive.toml`, or `builtin:...` when embedded).
    pub source: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// Unique within the lesson: progress and answers are keyed by `lesson/step`.
    pub id: String,
    pub title: String,
    /// Narration in the Markdown subset of [`super::markdown`].
    pub text: String,
    /// The claims of `CLAIMS.md` (`C1`..`C18`) this step tests on the wire.
    pub claims: Vec<String>,
    pub actions: Vec<Action>,
    pub expects: Vec<Expect>,
    pub questions: Vec<Question>,
    /// Things the learner does with their own tools, after the step's actions.
    pub tasks: Vec<Task>,
    /// A table of measures, one row per label, printed after the step's actions.
    pub table: Option<Table>,
    pub pos: Pos,
}

/// `[[step.task]]`: the learner makes traffic of their own (duplex's workbench, curl, websocat,
/// a browser) and the step waits until the wire shows `count` events matching `until`.
#[derive(Clone, Debug, PartialEq)]
pub struct Task {
    /// What to do, in the narration's Markdown; `{http}`, `{ws}`, `{host}`, `{port}` become
    /// the server's.
    pub goal: String,
    pub until: Matcher,
    /// Matching events needed: in all, or on each connection when `connections` is set.
    pub count: u32,
    /// Distinct connections that must each carry `count` matching events (ten HTTP/1.0
    /// connections are not one connection with ten requests).
    pub connections: Option<u32>,
    /// After this long the solution plays by itself.
    pub timeout: Duration,
    pub hints: Vec<Hint>,
    /// What `check --run` and `learn --auto` play instead of waiting (and a learner who gives
    /// up sees played): the same actions as `[[step.action]]`.
    pub solution: Vec<Action>,
    pub pos: Pos,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Hint {
    /// Seconds after the task starts (a key shows it sooner).
    pub after: f64,
    pub text: String,
}

impl Task {
    /// The goal with the server's URLs in place of `{http}` and `{ws}`.
    pub fn goal_for(&self, addr: Option<std::net::SocketAddr>) -> String {
        with_urls(&self.goal, addr)
    }

    /// What the progress counts to: connections when they are asked for, else events.
    pub fn target(&self) -> u32 {
        self.connections.unwrap_or(self.count)
    }
}

/// `{http}`, `{ws}`, `{host}`, `{port}` and `{cert}` (the file of its TLS certificate) in `s`
/// as the server's (left as written when there is no server yet).
pub fn with_urls(s: &str, addr: Option<std::net::SocketAddr>) -> String {
    match addr {
        Some(a) => s
            .replace("{http}", &format!("http://{a}"))
            .replace("{ws}", &format!("ws://{a}"))
            .replace("{host}", &a.ip().to_string())
            .replace("{port}", &a.port().to_string())
            .replace(
                "{cert}",
                &crate::net::tls::lesson_cert_path(a.port())
                    .display()
                    .to_string(),
            ),
        None => s.to_string(),
    }
}

/// One thing to do; every action may carry a `label` that names the traffic it causes, so
/// expectations and tables can compare groups ("poll" against "ws").
#[derive(Clone, Debug, PartialEq)]
pub struct Action {
    pub label: Option<String>,
    pub kind: ActionKind,
    pub pos: Pos,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    Http10,
    Http11,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reuse {
    /// A new TCP connection for every request.
    New,
    /// Requests share an idle connection when one is left open.
    Pooled,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TickerVia {
    /// `GET /api/price`, a new connection each time.
    PollNew,
    /// `GET /api/price` on one keep-alive connection.
    Poll,
    /// `GET /api/price/wait?after=SEQ`, one after the other.
    LongPoll,
    /// `GET /api/price/events`, Server-Sent Events.
    Sse,
    /// `/ws/ticker`, WebSocket push.
    Ws,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcpEnd {
    /// An orderly close: FIN.
    Fin,
    /// An abortive close: RST (SO_LINGER 0).
    Rst,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ActionKind {
    /// `do = "http"`: method, path, headers, body, HTTP/1.0 or 1.1, new or pooled, repeat N.
    Http {
        method: String,
        path: String,
        headers: Vec<(String, String)>,
        body: String,
        version: Version,
        connection: Reuse,
        repeat: u32,
        /// `tls = true`: over TLS (`https://`), trusting the lesson server's certificate.
        tls: bool,
    },
    /// `do = "tcp_send"`: raw bytes on the named TCP connection (opened on first use).
    TcpSend { conn: String, data: Vec<u8> },
    /// `do = "tcp_read"`: read what the server sends until it closes, `limit` bytes, or `timeout`.
    TcpRead {
        conn: String,
        limit: usize,
        timeout: Duration,
    },
    /// `do = "tcp_close"`.
    TcpClose { conn: String, how: TcpEnd },
    /// `do = "ws_connect"`: opens a WebSocket named `conn` on `path`, offering
    /// permessage-deflate with `deflate`.
    WsConnect {
        conn: String,
        path: String,
        headers: Vec<(String, String)>,
        deflate: Option<DeflateOffer>,
        /// `tls = true`: `wss://`, over TLS.
        tls: bool,
    },
    /// `do = "ws_send"`: one text or binary message, in one frame or in fragments.
    WsSend { conn: String, payload: WsPayload },
    /// `do = "ws_ping"`.
    WsPing { conn: String, payload: String },
    /// `do = "ws_close"`: the closing handshake from the client.
    WsClose {
        conn: String,
        code: u16,
        reason: String,
    },
    /// `do = "ws_recv"`: wait for `count` data messages from the server on `conn`.
    WsRecv {
        conn: String,
        count: u32,
        timeout: Duration,
    },
    /// `do = "ws_raw"`: bytes written as they are on an open WebSocket's TCP socket, under the
    /// client library (a frame it would refuse to make: unmasked, a bad opcode).
    WsRaw { conn: String, data: Vec<u8> },
    /// `do = "ws_drop"`: the client dies: its socket goes away with no close frame.
    WsDrop { conn: String, how: TcpEnd },
    /// `do = "wait"`: a time, or until an event matches (bounded by `timeout`).
    Wait {
        seconds: Option<f64>,
        until: Option<Matcher>,
        /// With `until`: how many matching events to wait for.
        count: u32,
        timeout: Duration,
    },
    /// `do = "keepalive"`: the server's idle timeout for connections from now on (0: never);
    /// `announce`: its answers say so, `Connection: keep-alive` and `Keep-Alive: timeout=N`.
    Keepalive { seconds: f64, announce: bool },
    /// `do = "ws_idle"`: from now on a WebSocket on which no byte crosses, either way, for this
    /// long is cut, as a proxy or load balancer in front of a server does (0: never).
    WsIdle { seconds: f64 },
    /// `do = "origins"`: from now on a WebSocket upgrade whose `Origin` is present and not one
    /// of these is refused with 403 (empty: no Origin is checked, as at the start).
    Origins {
        allow: Vec<crate::net::origin::Origin>,
    },
    /// `do = "server_drop"`: the server kills its side of the named client connection at once,
    /// no close frame, no goodbye.
    ServerDrop { conn: String, how: TcpEnd },
    /// `do = "ticker"`: receive `updates` price updates by the named means.
    Ticker {
        via: TickerVia,
        updates: u32,
        hz: u32,
    },
    /// `do = "chat_users"`: `count` simulated users join `room` (and stay until the lesson ends).
    ChatUsers { count: u32, room: String },
    /// `do = "replay"`: the events of a capture shipped in `assets/`.
    Replay { capture: String },
}

/// A permessage-deflate offer (RFC 7692 §7.1): each parameter sent only when set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeflateOffer {
    pub client_no_context_takeover: bool,
    pub server_no_context_takeover: bool,
    pub client_max_window_bits: Option<u8>,
    pub server_max_window_bits: Option<u8>,
}

impl DeflateOffer {
    /// The `Sec-WebSocket-Extensions` value that makes this offer.
    pub fn header(&self) -> String {
        let mut v = vec!["permessage-deflate".to_owned()];
        if self.client_no_context_takeover {
            v.push("client_no_context_takeover".into());
        }
        if self.server_no_context_takeover {
            v.push("server_no_context_takeover".into());
        }
        if let Some(b) = self.client_max_window_bits {
            v.push(format!("client_max_window_bits={b}"));
        }
        if let Some(b) = self.server_max_window_bits {
            v.push(format!("server_max_window_bits={b}"));
        }
        v.join("; ")
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum WsPayload {
    Text(String),
    Binary(Vec<u8>),
    /// One message split into these frames (the first carries the opcode, the rest continue).
    Fragments {
        text: bool,
        parts: Vec<Vec<u8>>,
    },
}

/// Picks events: `kind` and any fields of the `--json` vocabulary, compared for equality.
/// Dotted names reach inside (`ws_accept.ok`); `headers.NAME` reads a header, any case.
#[derive(Clone, Debug, PartialEq)]
pub struct Matcher {
    pub kind: String,
    pub fields: Vec<(String, FieldTest)>,
    pub pos: Pos,
}

#[derive(Clone, Debug, PartialEq)]
pub enum FieldTest {
    Eq(Value),
    /// `{ min = 1, max = 9 }`, either bound optional.
    Range {
        min: Option<f64>,
        max: Option<f64>,
    },
    /// `{ contains = "text" }`, for strings.
    Contains(String),
}

/// A plain value from a lesson file.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

/// Something the traffic of the step must show.
#[derive(Clone, Debug, PartialEq)]
pub struct Expect {
    /// What the learner reads next to the mark; written by the loader when the file gives none.
    pub says: String,
    pub check: Check,
    pub pos: Pos,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    AtLeast,
    AtMost,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Check {
    /// `count = {matcher}` with `equals`, `at_least` or `at_most`; `some = {..}` is at_least 1,
    /// `none = {..}` is equals 0.
    Count { of: Matcher, cmp: Cmp, n: u64 },
    /// `all = {matcher}, have = {fields}`: every matching event has these fields (and one exists).
    All { of: Matcher, have: Matcher },
    /// `first = {matcher}, then = {matcher}, within = SECS`: the second follows the first that
    /// quickly (on the same connection).
    Within {
        first: Matcher,
        then: Matcher,
        secs: f64,
    },
    /// `same_conn = [{..}, {..}]`: events matching each were on one TCP connection.
    SameConn(Vec<Matcher>),
    /// `compare = METRIC, of = LABEL, less_than = LABEL` (or `more_than`).
    Compare {
        metric: Metric,
        of: String,
        less: bool,
        than: String,
    },
}

/// What the runner measures per label: from the tapped bytes, the events and the actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// TCP payload bytes, both directions.
    Bytes,
    BytesC2s,
    BytesS2c,
    /// Bytes of HTTP heads, both ways, and WebSocket frame headers: the framing around the data.
    HeadBytes,
    /// Bytes of the HTTP request heads the client sent.
    RequestHeadBytes,
    /// Bytes of the HTTP response heads the server sent.
    ResponseHeadBytes,
    /// Distinct TCP connections that carried the label's traffic, opened for it or reused.
    Connections,
    /// TCP connections the label's traffic opened.
    ConnectionsOpened,
    /// HTTP requests sent.
    Requests,
    /// Ticker updates or WebSocket messages received by the client.
    Updates,
    /// `bytes` divided by `updates`.
    BytesPerUpdate,
    /// The median time from the server's timestamp of an update to the client holding it, ms.
    LatencyMs,
    /// From the label's first action starting to its last ending, ms.
    ElapsedMs,
    /// WebSocket data frames' payload bytes as they crossed (compressed when they were).
    WsPayloadBytes,
    /// WebSocket messages' bytes once reassembled and inflated.
    WsMessageBytes,
}

impl Metric {
    pub const ALL: [(Metric, &'static str); 15] = [
        (Metric::Bytes, "bytes"),
        (Metric::BytesC2s, "bytes_c2s"),
        (Metric::BytesS2c, "bytes_s2c"),
        (Metric::HeadBytes, "head_bytes"),
        (Metric::RequestHeadBytes, "request_head_bytes"),
        (Metric::ResponseHeadBytes, "response_head_bytes"),
        (Metric::Connections, "connections"),
        (Metric::ConnectionsOpened, "connections_opened"),
        (Metric::Requests, "requests"),
        (Metric::Updates, "updates"),
        (Metric::BytesPerUpdate, "bytes_per_update"),
        (Metric::LatencyMs, "latency_ms"),
        (Metric::ElapsedMs, "elapsed_ms"),
        (Metric::WsPayloadBytes, "ws_payload_bytes"),
        (Metric::WsMessageBytes, "ws_message_bytes"),
    ];

    pub fn name(self) -> &'static str {
        Metric::ALL
            .iter()
            .find(|(m, _)| *m == self)
            .map_or("?", |(_, n)| n)
    }

    pub fn parse(s: &str) -> Option<Metric> {
        Metric::ALL.iter().find(|(_, n)| *n == s).map(|(m, _)| *m)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// One row per label, in this order.
    pub rows: Vec<String>,
    pub metrics: Vec<Metric>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Question {
    pub ask: String,
    pub answer: Answer,
    /// Shown after the answer, right or wrong.
    pub explain: String,
    pub pos: Pos,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// `choices = [..]`, `answer = N` (1-based).
    Choice {
        choices: Vec<String>,
        correct: usize,
    },
    /// `answer_from = { event = {matcher}, field = "headers.sec-websocket-accept" }`: the right
    /// answer is read from the step's traffic; the learner's is compared, trimmed.
    FromTraffic { event: Matcher, field: String },
}
