//! The plain outputs' sentences in zh-CN: the event lines `replay --plain`, `serve` and
//! `learn --plain` print, the details under them and `--summary`.

use crate::lang::{Lang, scoped};
use crate::proto::event::{CloseHow, Event, EventKind, SseEvent, Stall, TcpClose};
use crate::proto::ws::{WsDecoder, WsEvent};
use crate::proto::{ByteRange, Dir, Timestamp};

fn event(dir: Option<Dir>, kind: EventKind) -> Event {
    Event {
        conn: 1,
        ts: Timestamp(0),
        dir,
        kind,
    }
}

fn close(how: CloseHow, by: Option<Dir>, why: Option<Stall>) -> Event {
    event(None, EventKind::TcpClose(TcpClose { how, by, why }))
}

fn both(ev: &Event) -> (String, String) {
    (
        scoped(Lang::En, || super::plain::describe(ev)),
        scoped(Lang::ZhCn, || super::plain::describe(ev)),
    )
}

#[test]
fn closes_and_half_closes_read_in_chinese_and_english_is_unchanged() {
    let (en, zh) = both(&close(CloseHow::Fin, Some(Dir::S2c), None));
    assert_eq!(en, "TCP connection closed by the server (FIN)");
    assert_eq!(zh, "TCP 连接由服务器关闭（FIN）");
    let (en, zh) = both(&close(CloseHow::Rst, None, None));
    assert_eq!(en, "TCP connection reset (RST)");
    assert_eq!(zh, "TCP 连接重置（RST）");
    let stalled = close(CloseHow::Timeout, Some(Dir::S2c), Some(Stall::Idle));
    let (en, zh) = both(&stalled);
    assert_eq!(
        en,
        "TCP connection closed by the server: idle past the keep-alive timeout (idle timeout)"
    );
    assert_eq!(
        zh,
        "TCP 连接由服务器关闭：空闲超过了 keep-alive 超时（空闲超时）"
    );
    let (en, zh) = both(&event(Some(Dir::C2s), EventKind::TcpFin));
    assert!(
        en.starts_with("the client sent FIN: it will send nothing more"),
        "{en}"
    );
    assert_eq!(
        zh,
        "客户端发出 FIN：它不会再发送任何数据，服务器仍可以发送（半关闭）"
    );
}

#[test]
fn a_masked_frame_and_its_bits_read_in_chinese() {
    // RFC 6455 5.7: a masked "Hello".
    let bytes = [
        0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
    ];
    let mut out = Vec::new();
    WsDecoder::new(true, None, 0).decode(&bytes, &mut out);
    let Some(WsEvent::Frame(f)) = out.first() else {
        panic!("no frame: {out:?}");
    };
    let ev = event(Some(Dir::C2s), EventKind::WsFrame(f.clone()));
    let (en, zh) = both(&ev);
    assert_eq!(
        en,
        "WebSocket text frame, FIN, masked (key 37 fa 21 3d), 5 bytes: \"Hello\""
    );
    assert_eq!(
        zh,
        "WebSocket text 帧，FIN，有掩码（密钥 37 fa 21 3d），5 字节：\"Hello\""
    );
    let lines = scoped(Lang::ZhCn, || super::plain_detail::details(&ev));
    assert_eq!(
        lines[0],
        "第一个字节 1000 0001：FIN 1（消息的最后一帧），RSV 000，opcode 0001（text）"
    );
    assert_eq!(lines[3], "帧头 6 字节，载荷 5 字节");
}

#[test]
fn an_sse_event_and_the_summary_in_chinese() {
    let sse = SseEvent {
        event: "message".into(),
        data: "{\"seq\":1}".into(),
        id: None,
        retry: None,
        range: ByteRange::new(0, 20),
    };
    let ev = event(Some(Dir::S2c), EventKind::SseEvent(Box::new(sse)));
    let (_, zh) = both(&ev);
    assert_eq!(zh, "Server-Sent Event \"message\"，20 字节：{\"seq\":1}");
    let mut sum = super::summary::Summary::default();
    sum.add(&ev);
    let text = scoped(Lang::ZhCn, || sum.to_string());
    // The numbers stay in one column: 数据包 is 6 columns wide, padded to 17.
    assert!(text.starts_with("数据包           0\n"), "{text}");
    assert!(text.contains("SSE 事件         1（20 字节）\n"), "{text}");
    assert!(text.contains("WS 关闭码        无\n"), "{text}");
}
