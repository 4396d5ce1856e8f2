//! Lines to stdout for the plain commands. When the reader has gone (`duplex learn ... | head`)
//! the program stops quietly, as `duplex replay` does, instead of panicking on the broken pipe.

use std::io::{self, Write};

pub fn to_stdout(args: std::fmt::Arguments<'_>, newline: bool) {
    let mut out = io::stdout().lock();
    let r = out.write_fmt(args).and_then(|()| {
        if newline {
            out.write_all(b"\n")
        } else {
            out.flush()
        }
    });
    if let Err(e) = r {
        if e.kind() == io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("duplex: writing output: {e}");
        std::process::exit(1);
    }
}
