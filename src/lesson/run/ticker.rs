//! The `ticker` action: receive N new prices by one of five means, each timed from the moment
//! the price changed on the server (its `ts_ms`) to the client holding it: how stale it was.
//! Polling asks `hz` times a second; pushing sends each change as it happens, at most `hz` a
//! second; long polling asks again no sooner than 1/hz after its last answer.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::lesson::model::TickerVia;
use crate::net::client::{Http, HttpRequest, Message, Reuse, Ws};

/// The longest a ticker action may take, whatever it was asked.
const CAP: Duration = Duration::from_secs(30);

pub struct TickerRun {
    pub updates: u64,
    pub latencies_ms: Vec<f64>,
    pub requests: u64,
    pub elapsed: Duration,
}

impl TickerRun {
    pub fn describe(&self, via: TickerVia) -> String {
        let how = match via {
            TickerVia::PollNew => crate::tr!("action.via.poll_new"),
            TickerVia::Poll => crate::tr!("action.via.poll"),
            TickerVia::LongPoll => crate::tr!("action.via.long_poll"),
            TickerVia::Sse => crate::tr!("action.via.sse"),
            TickerVia::Ws => crate::tr!("action.via.ws"),
        };
        let reqs = match via {
            TickerVia::Sse | TickerVia::Ws => String::new(),
            _ => crate::tr!("action.ticker_reqs", n = self.requests),
        };
        crate::tr!(
            "action.ticker",
            n = self.updates,
            how = how,
            reqs = reqs,
            s = format!("{:.2}", self.elapsed.as_secs_f64())
        )
    }
}

/// Milliseconds from the price's change (`ts_ms`) to now: same machine, same wall clock.
pub fn latency_ms(json: &str) -> Option<f64> {
    let v: serde_json::Value = serde_json::from_str(json).ok()?;
    let ts = v.get("ts_ms")?.as_f64()?;
    Some(crate::net::live::now_ms() as f64 - ts)
}

fn seq(json: &str) -> Option<u64> {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()?
        .get("seq")?
        .as_u64()
}

pub async fn run(
    addr: SocketAddr,
    via: TickerVia,
    updates: u32,
    hz: u32,
) -> Result<TickerRun, String> {
    let start = Instant::now();
    let mut run = TickerRun {
        updates: 0,
        latencies_ms: Vec::new(),
        requests: 0,
        elapsed: Duration::ZERO,
    };
    let want = u64::from(updates);
    let r = tokio::time::timeout(CAP, async {
        match via {
            TickerVia::PollNew | TickerVia::Poll | TickerVia::LongPoll => {
                poll(addr, via, want, hz, &mut run).await
            }
            TickerVia::Sse => sse(addr, want, hz, &mut run).await,
            TickerVia::Ws => ws(addr, want, hz, &mut run).await,
        }
    })
    .await;
    run.elapsed = start.elapsed();
    match r {
        Ok(Ok(())) => Ok(run),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(crate::tr!(
            "action.ticker_short",
            n = run.updates,
            want = want,
            s = CAP.as_secs()
        )),
    }
}

fn take(run: &mut TickerRun, body: &str, last: &mut Option<u64>) {
    let s = seq(body);
    // A poll that finds the same price again is a request spent for nothing.
    if s.is_some() && s != *last {
        *last = s;
        run.updates += 1;
        if let Some(ms) = latency_ms(body) {
            run.latencies_ms.push(ms);
        }
    }
}

async fn poll(
    addr: SocketAddr,
    via: TickerVia,
    want: u64,
    hz: u32,
    run: &mut TickerRun,
) -> Result<(), String> {
    let http = Http::new(addr).map_err(|e| e.to_string())?;
    let reuse = if via == TickerVia::PollNew {
        Reuse::Fresh
    } else {
        Reuse::Pooled
    };
    let period = Duration::from_secs(1) / hz.max(1);
    let (mut last, mut answered) = (None, None::<Instant>);
    while run.updates < want {
        let path = match (via, last) {
            (TickerVia::LongPoll, Some(s)) => {
                // At most hz answers a second: after a pause, ask for the next change (what
                // changed in the pause is skipped); with no pause, for anything newer than `s`.
                match answered.map(|a| a + period).filter(|t| *t > Instant::now()) {
                    Some(t) => {
                        tokio::time::sleep_until(t.into()).await;
                        "/api/price/wait".to_owned()
                    }
                    None => format!("/api/price/wait?after={s}"),
                }
            }
            (TickerVia::LongPoll, None) => "/api/price/wait".to_owned(),
            _ => "/api/price".to_owned(),
        };
        let next = Instant::now() + period;
        let replies = http
            .send(&HttpRequest::get(&path).reuse(reuse))
            .await
            .map_err(|e| e.to_string())?;
        run.requests += 1;
        answered = Some(Instant::now());
        for r in replies {
            take(run, &String::from_utf8_lossy(&r.body), &mut last);
        }
        if via != TickerVia::LongPoll {
            tokio::time::sleep_until(next.into()).await;
        }
    }
    Ok(())
}

async fn sse(addr: SocketAddr, want: u64, hz: u32, run: &mut TickerRun) -> Result<(), String> {
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .map_err(|e| e.to_string())?;
    let mut resp = client
        .get(format!("http://{addr}/api/price/events?hz={hz}"))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    run.requests += 1;
    let (mut buf, mut last) = (String::new(), None);
    while run.updates < want {
        let Some(chunk) = resp.chunk().await.map_err(|e| e.to_string())? else {
            return Err("the event stream ended".into());
        };
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let event: String = buf.drain(..end + 2).collect();
            for line in event.lines() {
                if let Some(data) = line.strip_prefix("data:") {
                    take(run, data.trim(), &mut last);
                }
            }
        }
    }
    Ok(())
}

async fn ws(addr: SocketAddr, want: u64, hz: u32, run: &mut TickerRun) -> Result<(), String> {
    let (mut ws, _) = Ws::connect(addr, &format!("/ws/ticker?hz={hz}"), &[])
        .await
        .map_err(|e| e.to_string())?;
    let mut last = None;
    while run.updates < want {
        match ws.next(Duration::from_secs(5)).await {
            Ok(Some(Message::Text(t))) => take(run, t.as_str(), &mut last),
            Ok(Some(_)) => {}
            Ok(None) => return Err("the server ended the ticker".into()),
            Err(e) => return Err(e.to_string()),
        }
    }
    let _ = ws.close(1000, "enough").await;
    let _ = ws.next(Duration::from_secs(1)).await;
    Ok(())
}
