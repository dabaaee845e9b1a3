//! The analyzer's only I/O: reading a weights file from disk. The format
//! follows the extension: `.csv` is CSV, anything else TOML (both as written
//! by `msgpolicy score --dump-weights`).

use super::weights::Weights;
use crate::error::InputError;

/// Reads the weights file at `path`.
pub fn load(path: &str) -> Result<Weights, InputError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| InputError::new(path, format!("cannot read the weights file: {e}")))?;
    if path.to_ascii_lowercase().ends_with(".csv") {
        Weights::from_csv(path, &text)
    } else {
        Weights::from_toml(path, &text)
    }
}

/// The weights named by a scenario's `[analyzer] weights_file`: the built-in
/// defaults when it is empty.
pub fn load_or_default(weights_file: &str) -> Result<Weights, InputError> {
    if weights_file.is_empty() {
        Ok(Weights::default())
    } else {
        load(weights_file)
    }
}
