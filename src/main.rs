use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    duplex::cli::run(duplex::cli::Cli::parse())
}
