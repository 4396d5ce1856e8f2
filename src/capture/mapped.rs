//! A capture file mapped into memory: packets are read where the page cache holds them, with
//! no copy at all (the kernel's copy into a buffer was half of `replay --summary`'s time).
//!
//! The page cache is far memory on a VM: a thread on the second core reads ahead of the
//! decoders (one load per cache line, no copy) so that they find the bytes in a near cache, and
//! lets go of the pages behind them so that the resident set stays about a MiB above what the
//! process needs anyway (as much as the stream reader's buffers).
//!
//! A mapped file that another program shrinks while it is read would kill the process with
//! SIGBUS; the handler installed here turns that into a message naming what happened.

use std::cell::Cell;
use std::fs::File;
use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use memmap2::{Advice, Mmap, MmapOptions};

/// Files smaller than this are read, not mapped: a mapping costs more than it saves.
const MIN_MAPPED: u64 = 1 << 20;
/// How far ahead of the decoders the read-ahead thread goes. Every mapped page counts in the
/// resident set: the whole window (this, a STEP, BEHIND and a RELEASE) is about a MiB, which
/// measured as fast as 3.5 MiB and no more memory than the reader thread's buffers.
const AHEAD: usize = 512 << 10;
/// Read ahead in steps of this many bytes.
const STEP: usize = 128 << 10;
/// Pages this far behind the decoders are let go (they stay in the page cache), this many at a
/// time.
const BEHIND: usize = 128 << 10;
const RELEASE: usize = 256 << 10;
/// How far the decoders may get past what was let go before they let go themselves (the
/// read-ahead thread not yet started, or not scheduled for a while).
const LATE: usize = 1 << 20;
/// How long the read-ahead thread waits when it is far enough ahead (the decoders read about
/// 100 KiB in that time).
const NAP: Duration = Duration::from_micros(100);

/// Where the decoders are, and whether the read-ahead thread should stop.
#[derive(Default)]
struct Progress {
    at: AtomicUsize,
    stop: AtomicBool,
    /// The mapping before this offset has been let go (by either thread).
    released: Released,
}

/// On a cache line of its own: the decoders write `at` at every packet.
#[derive(Default)]
#[repr(align(64))]
struct Released(AtomicUsize);

/// A whole capture file, mapped read-only.
pub struct Mapped {
    map: Mmap,
    /// Where the decoders last looked at what was let go (a cell: the classic reader's loop
    /// tells where it is while its packets borrow the mapping).
    checked: Cell<usize>,
    /// How far the decoders may get past what was let go: [`LATE`], or a [`RELEASE`] once
    /// they let go of everything themselves.
    late: usize,
    progress: Arc<Progress>,
    ahead: Option<JoinHandle<()>>,
}

impl Mapped {
    /// Maps `file` when it is a regular file worth mapping; `None` otherwise (a pipe, a device,
    /// a small file, or a system that refuses), and the caller reads it as before.
    pub fn map(file: &File) -> Option<Mapped> {
        Self::map_from(file, MIN_MAPPED)
    }

    /// As `map`, for files of at least `min` bytes.
    pub fn map_from(file: &File, min: u64) -> Option<Mapped> {
        let meta = file.metadata().ok()?;
        if !meta.is_file() || meta.len() < min || usize::try_from(meta.len()).is_err() {
            return None;
        }
        guard_sigbus();
        // SAFETY: the mapping is read-only and private to this process. Another program may
        // still change the file under it: new bytes are then read as they are (a capture is
        // checked as it is parsed), and a file cut shorter is caught by the SIGBUS handler.
        let map = unsafe { MmapOptions::new().map(file) }.ok()?;
        let _ = map.advise(Advice::Sequential);
        // A page cache of large folios is otherwise mapped 2 MiB at a time where the kernel
        // can (THP "always"): each fault then counts a whole huge page in the resident set.
        let _ = map.advise(Advice::NoHugePage);
        let progress = Arc::<Progress>::default();
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let ahead = (cores > 1)
            .then(|| {
                let (base, len, p) = (map.as_ptr() as usize, map.len(), progress.clone());
                std::thread::Builder::new()
                    .name("capture-ahead".into())
                    .spawn(move || read_ahead(base, len, &p))
                    .ok()
            })
            .flatten();
        Some(Mapped {
            map,
            checked: Cell::new(0),
            late: LATE,
            progress,
            ahead,
        })
    }

    /// Stops the read-ahead thread: the reader has a core of its own and takes its first
    /// touches itself (a third thread on two cores took turns from the other two). The
    /// decoders then let go of what is behind them themselves, a [`RELEASE`] at a time.
    pub fn stop_reading_ahead(&mut self) {
        self.late = RELEASE;
        self.progress.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.ahead.take() {
            let _ = t.join();
        }
    }

    /// Lets go of the pages before `offset` (rounded down to a page) now, read or not: they
    /// are read again from the page cache when needed. What was let go is not moved: those
    /// pages are let go again once read.
    pub fn let_go_before(&mut self, offset: usize) {
        let_go(
            self.map.as_ptr() as usize,
            0,
            offset.min(self.map.len()) & !4095,
        );
    }

    /// The decoders have read up to `offset`.
    pub fn read_to(&self, offset: usize) {
        self.progress.at.store(offset, Ordering::Relaxed);
        // Once a RELEASE, a look at whether the read-ahead thread keeps letting go: if it was not
        // scheduled for a while, the decoders let go themselves (the resident set stays bounded).
        if offset / RELEASE != self.checked.get() / RELEASE {
            self.checked.set(offset);
            let released = self.progress.released.0.load(Ordering::Relaxed);
            if offset > released + self.late {
                release(self.map.as_ptr() as usize, &self.progress, offset - BEHIND);
            }
        }
    }
}

/// Touches each cache line of the mapping (at `base`, `len` bytes) a little ahead of the
/// decoders, and lets go of the pages well behind them.
fn read_ahead(base: usize, len: usize, p: &Progress) {
    let mut at = 0usize;
    while at < len && !p.stop.load(Ordering::Relaxed) {
        let reader = p.at.load(Ordering::Relaxed);
        // In steps: each release flushes the decoders' core's TLB (an interrupt, on a VM an
        // exit), which at every STEP cost more than the release saved.
        if reader >= p.released.0.load(Ordering::Relaxed) + BEHIND + RELEASE {
            release(base, p, reader - BEHIND);
        }
        if at > reader + AHEAD {
            std::thread::sleep(NAP);
            continue;
        }
        // Overtaken: what is behind the decoders needs no reading ahead.
        at = at.max(reader & !63);
        let end = (at + STEP).min(len);
        let mut sum = 0u8;
        while at < end {
            // SAFETY: `at` is inside the mapping, which outlives this thread (joined on drop).
            sum = sum.wrapping_add(unsafe { std::ptr::read_volatile((base + at) as *const u8) });
            at += 64;
        }
        std::hint::black_box(sum);
        at = end;
    }
}

/// Lets go of the mapping (at `base`) up to `until`, rounded down to a page.
fn release(base: usize, p: &Progress, until: usize) {
    let until = until & !4095;
    let from = p.released.0.fetch_max(until, Ordering::Relaxed);
    let_go(base, from, until);
}

/// Drops the page table entries of the mapping (at `base`) from `from` to `until`, both page
/// offsets inside it; on a private read-only file mapping the next read faults them back in.
fn let_go(base: usize, from: usize, until: usize) {
    if until > from {
        // SAFETY: a page-aligned range inside the mapping (the callers round down to a page).
        unsafe {
            libc::madvise(
                (base + from) as *mut libc::c_void,
                until - from,
                libc::MADV_DONTNEED,
            );
        }
    }
}

impl Drop for Mapped {
    fn drop(&mut self) {
        self.progress.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.ahead.take() {
            let _ = t.join();
        }
    }
}

impl Deref for Mapped {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.map
    }
}

/// The handler's line, made in the learner's language before it can be needed.
#[cfg(unix)]
static SHRANK: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();

#[cfg(unix)]
fn guard_sigbus() {
    use std::sync::Once;
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = SHRANK.set(format!("duplex: {}\n", crate::tr!("cli.err.file_shrank")).into_bytes());
        // SAFETY: the handler only calls async-signal-safe functions (write, _exit).
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigbus as *const () as usize;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
        }
    });
}

#[cfg(not(unix))]
fn guard_sigbus() {}

#[cfg(unix)]
extern "C" fn on_sigbus(_: libc::c_int) {
    // Only reads what was set before the handler was installed: no allocation, no lock.
    let text = SHRANK.get().map_or(&b"duplex: SIGBUS\n"[..], |t| &t[..]);
    // SAFETY: write and _exit are async-signal-safe.
    unsafe {
        libc::write(2, text.as_ptr().cast(), text.len());
        libc::_exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn small_files_and_pipes_are_not_mapped() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(&[0; 1000]).unwrap();
        assert!(Mapped::map(f.as_file()).is_none());
        f.write_all(&vec![7; MIN_MAPPED as usize]).unwrap();
        let m = Mapped::map(f.as_file()).expect("a regular file of 1 MiB is mapped");
        assert_eq!(m.len(), 1000 + MIN_MAPPED as usize);
        assert_eq!(m[1000], 7);
        if let Ok(null) = File::open("/dev/null") {
            assert!(Mapped::map(&null).is_none());
        }
    }

    /// A file read from disk sits in the page cache in large folios; mapped 2 MiB at a time
    /// they put the peak 1.5-2 MB higher (200 MB captures: 12.2-13.2 MB against 10.7-11.3).
    #[test]
    fn the_mapping_asks_for_no_huge_pages() {
        let Ok(before) = std::fs::read_to_string("/proc/self/smaps") else {
            return eprintln!("SKIP: no /proc/self/smaps");
        };
        if !before.contains("VmFlags") {
            return eprintln!("SKIP: smaps without VmFlags");
        }
        if !std::path::Path::new("/sys/kernel/mm/transparent_hugepage").exists() {
            return eprintln!("SKIP: a kernel without huge pages refuses the advice");
        }
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(&vec![1; 2 * MIN_MAPPED as usize]).unwrap();
        let m = Mapped::map(f.as_file()).expect("mapped");
        let start = format!("{:x}-", m.as_ptr() as usize);
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let region = smaps
            .split_inclusive('\n')
            .skip_while(|l| !l.starts_with(&start))
            // Each region's last line.
            .find(|l| l.starts_with("VmFlags"))
            .unwrap_or_else(|| panic!("no VmFlags for the mapping at {start}"));
        assert!(region.split_whitespace().any(|f| f == "nh"), "{region}");
    }
}
