//! Reads a capture on its own thread and sends its events to the UI in batches, with progress,
//! so a file of millions of packets shows the screen at once and fills it in the background.
//! Each event is made ready here (its row built, its bytes cut into the batch's arena) and
//! freed on this thread: the UI thread only appends rows.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use super::msg::{LoadReport, Msg};
use crate::replay;
use crate::session::Batch;

/// Events per message: big enough to cost little per event, small enough to show progress
/// and to keep the batches in flight at a few MiB.
const BATCH: usize = 4096;
/// Batches sent but not yet taken by the UI before the reader waits: bounds the memory in flight.
const IN_FLIGHT_MAX: usize = 4;

/// The handle the replay screen keeps: dropping the screen cancels the read.
pub struct Loader {
    pub generation: u64,
    cancel: Arc<AtomicBool>,
    in_flight: Arc<AtomicUsize>,
    short: Arc<AtomicBool>,
}

impl Loader {
    /// The UI took one batch of events; `short`: its session keeps short rows from now on
    /// (`Session::keeps_short`), so the reader copies no more than those into its batches.
    pub fn took_batch(&self, short: bool) {
        if short {
            self.short.store(true, Ordering::Relaxed);
        }
        let _ = self
            .in_flight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
    }
}

/// What the reader shares with its handle.
struct Shared {
    cancel: Arc<AtomicBool>,
    in_flight: Arc<AtomicUsize>,
    short: Arc<AtomicBool>,
}

impl Drop for Loader {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Release);
    }
}

pub fn spawn(path: PathBuf, generation: u64, tx: UnboundedSender<Msg>) -> Loader {
    let shared = Shared {
        cancel: Arc::new(AtomicBool::new(false)),
        in_flight: Arc::new(AtomicUsize::new(0)),
        short: Arc::new(AtomicBool::new(false)),
    };
    let loader = Loader {
        generation,
        cancel: shared.cancel.clone(),
        in_flight: shared.in_flight.clone(),
        short: shared.short.clone(),
    };
    let fail_tx = tx.clone();
    let send = move |report| {
        let _ = tx.send(Msg::Load { generation, report });
    };
    let spawned = std::thread::Builder::new()
        .name("duplex-replay".into())
        .spawn(move || {
            send(read_or_fail(&path, &shared, &send));
        });
    if let Err(e) = spawned {
        let _ = fail_tx.send(Msg::Load {
            generation,
            report: LoadReport::Failed(crate::tr!("replay.cannot_start", error = e)),
        });
    }
    loader
}

/// What the reader ends with: its summary, or why it stopped, a panic of a decoder included
/// (the screen would otherwise say "indexing" for ever).
fn read_or_fail(path: &PathBuf, shared: &Shared, send: &impl Fn(LoadReport)) -> LoadReport {
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read(path, shared, send)));
    match read {
        Ok(Ok(done)) => done,
        Ok(Err(e)) => LoadReport::Failed(format!("{}: {e}", path.display())),
        Err(panic) => {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let path = path.display();
            LoadReport::Failed(crate::tr!("replay.reader_failed", path = path, why = why))
        }
    }
}

fn read(path: &PathBuf, shared: &Shared, send: &impl Fn(LoadReport)) -> Result<LoadReport, String> {
    let (cancel, in_flight) = (&*shared.cancel, &*shared.in_flight);
    let file = File::open(path).map_err(|e| e.to_string())?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut batch = Batch::with_capacity(BATCH);
    let flush = |batch: &mut Batch, read: u64| {
        while in_flight.load(Ordering::Acquire) >= IN_FLIGHT_MAX && !cancel.load(Ordering::Acquire)
        {
            std::thread::sleep(Duration::from_millis(1));
        }
        in_flight.fetch_add(1, Ordering::AcqRel);
        send(LoadReport::Rows(std::mem::replace(
            batch,
            Batch::with_capacity(BATCH),
        )));
        send(LoadReport::Progress { read, total });
    };
    let read_so_far = Cell::new(0u64);
    // The file is read on a third thread where there is a second core: the kernel's copy
    // leaves the thread that decodes.
    let inner: Box<dyn Read> = match crate::capture::prefetch::Prefetch::spawn(file) {
        Ok(p) => Box::new(p),
        Err(file) => Box::new(io::BufReader::with_capacity(1 << 16, file)),
    };
    let reader = Counting {
        inner,
        read: &read_so_far,
        cancel,
    };
    let keys = crate::proto::tls::SharedKeys::default();
    let outcome = replay::replay_owned(reader, keys, &mut |ev, _| {
        batch.push(ev, shared.short.load(Ordering::Relaxed));
        if batch.len() >= BATCH {
            flush(&mut batch, read_so_far.get());
        }
    })
    .map_err(|e| e.to_string())?;
    if !batch.is_empty() {
        flush(&mut batch, total);
    }
    send(LoadReport::Progress { read: total, total });
    Ok(LoadReport::Done {
        packets: outcome.packets,
        problems: outcome.problems.len() + outcome.problems_dropped as usize,
    })
}

/// Counts the bytes read, and ends the file early once the screen is gone.
struct Counting<'a, R> {
    inner: R,
    read: &'a Cell<u64>,
    cancel: &'a AtomicBool,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.cancel.load(Ordering::Relaxed) {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_that_panics_ends_in_a_failure_not_in_loading_for_ever() {
        let shared = Shared {
            cancel: Arc::default(),
            in_flight: Arc::default(),
            short: Arc::default(),
        };
        let send = |r: LoadReport| {
            if matches!(r, LoadReport::Progress { .. }) {
                panic!("decoder bug");
            }
        };
        let path = PathBuf::from("assets/captures/ws-basic.pcap");
        match read_or_fail(&path, &shared, &send) {
            LoadReport::Failed(e) => assert!(e.contains("decoder bug"), "{e}"),
            other => panic!("{other:?}"),
        }
    }
}
