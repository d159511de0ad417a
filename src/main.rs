use clap::Parser;

fn main() {
    let cli = flopcost::cli::Cli::parse();
    if let Err(err) = flopcost::commands::run(cli) {
        eprintln!("error: {err:#}");
        std::process::exit(flopcost::error::exit_code_of(&err));
    }
}
