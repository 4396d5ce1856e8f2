use std::process::ExitCode;

fn main() -> ExitCode {
    duplex::cli::run(duplex::cli::parse())
}
