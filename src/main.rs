//! The `respite` command: parses the command line, then either builds and runs the App or
//! runs a core command. Exit codes: 0 done, 2 bad input, 3 a demanded device (headset,
//! window system, microphone) is missing, 4 a screenshot could not be written, 5 the
//! session's record could not be written in full.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
