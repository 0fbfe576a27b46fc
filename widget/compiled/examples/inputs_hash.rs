//! Prints the hash of the widget's inputs for `tools/build-widget.sh --commit` to record.
#[path = "../tests/inputs/mod.rs"]
mod inputs;

fn main() -> std::process::ExitCode {
    match inputs::inputs_sha256(&inputs::repo_root()) {
        Ok(hash) => {
            println!("{hash}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
