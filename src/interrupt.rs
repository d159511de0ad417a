//! Ctrl-C stops a benchmark cleanly: the first press lets the kernel in flight finish, keeps
//! everything measured so far and says where it is; a second press quits at once.

use std::sync::atomic::{AtomicBool, Ordering};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Exit code for a run stopped by Ctrl-C, as shells report SIGINT (128 + 2).
pub const INTERRUPTED_EXIT_CODE: i32 = 130;

/// Installs the handler. Failing to install it only loses the clean stop, so it is not fatal.
pub fn install() {
    let _ = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(INTERRUPTED_EXIT_CODE);
        }
        eprintln!(
            "\ninterrupted: finishing the current kernel, then stopping (Ctrl-C again quits now)"
        );
    });
}

/// Whether Ctrl-C was pressed: long loops check this between kernels and sizes.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}
