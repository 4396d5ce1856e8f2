//! Counting mode: decoders made inside [`scoped`] keep no previews (frame and message bytes,
//! message text), which only counts (`--summary`) never read, and the WebSocket decoder counts
//! whole single-frame messages into one `WsEvent::Counted` per `decode` instead of reporting
//! each. Everything counted (frames, lengths, close codes, UTF-8 and protocol errors) stays as
//! in the full mode.
//! A thread's setting, so that tests running side by side do not see each other's.

use std::cell::Cell;

thread_local! {
    static LEAN: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with counting mode on for the decoders it creates.
pub fn scoped<T>(f: impl FnOnce() -> T) -> T {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            LEAN.with(|l| l.set(self.0));
        }
    }
    let _reset = Reset(LEAN.with(|l| l.replace(true)));
    f()
}

/// Whether a decoder created now should keep no previews.
pub fn on() -> bool {
    LEAN.with(Cell::get)
}
