fn main() {
    flopcost::session::prepare_process();
    // Like other Unix tools, end quietly when the reader of our output goes away
    // (`flopcost catalog | head`); Rust would otherwise panic on the failed write.
    #[cfg(unix)]
    // SAFETY: restoring the default action of one signal before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let (invocation, globals) = flopcost::cli::Cli::parse_checked().into_invocation();
    flopcost::interrupt::install();
    if let Err(err) = flopcost::commands::run(invocation, &globals) {
        eprintln!("error: {err:#}");
        std::process::exit(flopcost::error::exit_code_of(&err));
    }
}
