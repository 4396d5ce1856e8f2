//! A reader thread for a capture file: it reads the next buffers while the decoders work on
//! the last one, so the kernel's copy runs on the second core. Buffers go round between the
//! two threads (two in flight at most), so memory stays at a few MiB whatever the file size.
//! Each buffer keeps [`HEADROOM`] bytes free in front of its data, where the capture reader
//! puts the start of a record cut by the previous buffer's end, to take the buffer as it is.

use std::io::{self, Read};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

const BUFFER: usize = 256 << 10;
const IN_FLIGHT: usize = 2;
/// Room for a record's first part: a whole 64 KiB packet and its record header fit.
pub const HEADROOM: usize = 72 << 10;

/// Reads `inner` on its own thread; reads from this see the same bytes and errors, in order.
pub struct Prefetch {
    full: Option<Receiver<io::Result<Vec<u8>>>>,
    empty: Option<SyncSender<Vec<u8>>>,
    current: Vec<u8>,
    at: usize,
    done: bool,
    thread: Option<JoinHandle<()>>,
}

impl Prefetch {
    /// A reader thread when a second core is there to run it; otherwise `None` (read directly).
    pub fn spawn<R: Read + Send + 'static>(inner: R) -> Result<Prefetch, R> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        if cores < 2 {
            return Err(inner);
        }
        let (full_tx, full) = sync_channel::<io::Result<Vec<u8>>>(IN_FLIGHT);
        let (empty, empty_rx) = sync_channel::<Vec<u8>>(IN_FLIGHT + 1);
        // The file goes over once the thread runs, so a failed spawn still has it to give back.
        let (give, take) = sync_channel::<R>(1);
        let thread = std::thread::Builder::new()
            .name("capture-reader".into())
            .spawn(move || {
                if let Ok(inner) = take.recv() {
                    fill(inner, &full_tx, &empty_rx);
                }
            });
        let Ok(thread) = thread else {
            return Err(inner);
        };
        let _ = give.send(inner);
        for _ in 0..IN_FLIGHT {
            let _ = empty.send(Vec::with_capacity(HEADROOM + BUFFER));
        }
        let empty = Some(empty);
        Ok(Prefetch {
            full: Some(full),
            empty,
            current: Vec::new(),
            at: 0,
            done: false,
            thread: Some(thread),
        })
    }
}

/// The reader thread: fills each empty buffer it gets back, until end of file or an error.
fn fill<R: Read>(mut inner: R, full: &SyncSender<io::Result<Vec<u8>>>, empty: &Receiver<Vec<u8>>) {
    while let Ok(mut buf) = empty.recv() {
        // Zeroes only what the last fill left short (nothing, mostly): the read overwrites it.
        buf.resize(HEADROOM + BUFFER, 0);
        let mut len = HEADROOM;
        let result = loop {
            match inner.read(&mut buf[len..]) {
                Ok(0) => break Ok(()),
                Ok(n) => {
                    len += n;
                    if len == buf.len() {
                        break Ok(());
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => break Err(e),
            }
        };
        buf.truncate(len);
        let last = len == HEADROOM || result.is_err();
        // Bytes read before an error go first; then the error.
        if len > HEADROOM && full.send(Ok(buf)).is_err() {
            return;
        }
        if let Err(e) = result {
            let _ = full.send(Err(e));
            return;
        }
        if last {
            let _ = full.send(Ok(Vec::new()));
            return;
        }
    }
}

impl Prefetch {
    /// The next buffer read, its bytes from [`HEADROOM`] on; empty at the end of the file.
    pub fn next_buffer(&mut self) -> io::Result<Vec<u8>> {
        if self.done {
            return Ok(Vec::new());
        }
        let Some(full) = &self.full else {
            return Ok(Vec::new());
        };
        let next = match full.recv() {
            Ok(r) => r?,
            Err(_) => Vec::new(),
        };
        if next.is_empty() {
            self.done = true;
        }
        Ok(next)
    }

    /// A buffer read to the end goes back to the thread to be filled again.
    pub fn give_back(&mut self, spent: Vec<u8>) {
        // Never blocks; a small one (not the thread's) is let go.
        if let Some(empty) = &self.empty
            && spent.capacity() >= HEADROOM + BUFFER
        {
            let _ = empty.try_send(spent);
        }
    }
}

impl Read for Prefetch {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.at == self.current.len() {
            if self.done || out.is_empty() {
                return Ok(0);
            }
            let next = self.next_buffer()?;
            let spent = std::mem::replace(&mut self.current, next);
            self.give_back(spent);
            self.at = HEADROOM.min(self.current.len());
        }
        let n = out.len().min(self.current.len() - self.at);
        out[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        // Closing both channels ends the thread at its next send or receive.
        self.full = None;
        self.empty = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out `data` in odd-sized pieces, then fails.
    struct Pieces {
        data: Vec<u8>,
        at: usize,
        fail: bool,
    }

    impl Read for Pieces {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.at == self.data.len() {
                return if self.fail {
                    Err(io::Error::other("disk on fire"))
                } else {
                    Ok(0)
                };
            }
            let n = out.len().min(7919).min(self.data.len() - self.at);
            out[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    fn read_all(fail: bool) -> (Vec<u8>, Vec<u8>, Option<io::Error>) {
        let data: Vec<u8> = (0..3 * BUFFER + 12345)
            .map(|i| (i * 31 % 251) as u8)
            .collect();
        let inner = Pieces {
            data: data.clone(),
            at: 0,
            fail,
        };
        let Ok(mut p) = Prefetch::spawn(inner) else {
            return (data.clone(), data, None); // one core: nothing to test
        };
        let (mut got, mut buf) = (Vec::new(), vec![0; 100_000]);
        loop {
            match p.read(&mut buf) {
                Ok(0) => return (data, got, None),
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) => return (data, got, Some(e)),
            }
        }
    }

    #[test]
    fn every_byte_arrives_in_order_then_the_end() {
        let (data, got, err) = read_all(false);
        assert!(err.is_none());
        assert!(data == got, "{} of {} bytes", got.len(), data.len());
    }

    #[test]
    fn an_error_comes_after_the_bytes_read_before_it() {
        let (data, got, err) = read_all(true);
        assert!(data == got, "{} of {} bytes", got.len(), data.len());
        if std::thread::available_parallelism().map_or(1, |n| n.get()) >= 2 {
            assert_eq!(err.map(|e| e.to_string()).as_deref(), Some("disk on fire"));
        }
    }

    #[test]
    fn dropping_it_early_ends_the_thread() {
        let inner = Pieces {
            data: vec![1; 10 * BUFFER],
            at: 0,
            fail: false,
        };
        if let Ok(mut p) = Prefetch::spawn(inner) {
            let mut b = [0; 10];
            assert_eq!(p.read(&mut b).unwrap(), 10);
        } // joined in drop: a hang here fails the test by timeout
    }

    /// Every packet (and the error that ends the file) the capture reader gives.
    fn packets(mut r: crate::capture::pcap::CaptureReader<impl Read>) -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            match r.next_packet() {
                Ok(Some(p)) => seen.push(format!("{} {} {:?}", p.number, p.ts.0, p.data)),
                Ok(None) => return seen,
                Err(e) => seen.push(e.to_string()),
            }
        }
    }

    /// Records cut by the buffers' ends, some larger than the headroom, then one cut by the
    /// file's end: read from the thread's buffers as from the bytes themselves.
    #[test]
    fn the_capture_reader_takes_the_buffers_as_they_are() {
        use crate::capture::pcap::CaptureReader;
        let mut file = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0];
        file.extend_from_slice(&[0; 8]);
        file.extend_from_slice(&[0xff, 0xff, 0, 0, 1, 0, 0, 0]);
        let sizes = [60usize, 1500, 9000, 100_000, 70_000, 0, 300_000, 17];
        for i in 0..60 {
            let n = sizes[i % sizes.len()];
            for v in [i as u32, 7, n as u32, n as u32] {
                file.extend_from_slice(&v.to_le_bytes());
            }
            file.extend((0..n).map(|b| (b * 7 + i) as u8));
        }
        file.truncate(file.len() - 5);
        for fail in [false, true] {
            let direct = packets(CaptureReader::new(&file[..]).unwrap());
            let inner = Pieces {
                data: file.clone(),
                at: 0,
                fail,
            };
            let Ok(p) = Prefetch::spawn(inner) else {
                return; // one core: nothing to test
            };
            let got = packets(CaptureReader::with_prefetch(io::empty(), Some(p)).unwrap());
            if fail {
                // The read error comes where the file's cut would have been told.
                assert_eq!(got[..got.len() - 1], direct[..direct.len() - 1]);
                assert!(
                    got[got.len() - 1].contains("disk on fire"),
                    "{:?}",
                    got.last()
                );
            } else {
                assert!(got == direct, "{} of {} packets", got.len(), direct.len());
                assert!(direct.last().unwrap().contains("ends inside packet 60"));
            }
        }
    }
}
