//! Atomic outputs: everything is written beside its destination under a
//! temporary name and renamed into place only when complete, so a failed or
//! interrupted command never leaves a half-written file or folder.

use anyhow::Context;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// A temporary sibling path of `dest` (same folder, so the rename is atomic).
pub fn temp_sibling(dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    dest.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Writes a file atomically: `fill` writes into a buffered temporary file.
pub fn write_file_atomic<T>(
    dest: &Path,
    fill: impl FnOnce(&mut BufWriter<fs::File>) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create the folder {}", parent.display()))?;
    }
    let tmp = temp_sibling(dest);
    let result = (|| {
        let file =
            fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        let mut w = BufWriter::with_capacity(1 << 16, file);
        let value = fill(&mut w)?;
        w.flush()?;
        w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        Ok(value)
    })();
    match result {
        Ok(value) => {
            fs::rename(&tmp, dest)
                .with_context(|| format!("cannot move the output to {}", dest.display()))?;
            Ok(value)
        }
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Builds a folder atomically: `fill` writes into a temporary folder beside
/// `dest`, which then replaces `dest` (an older `dest` is removed only after
/// the new one is complete).
pub fn write_dir_atomic<T>(
    dest: &Path,
    fill: impl FnOnce(&Path) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create the folder {}", parent.display()))?;
    }
    let tmp = temp_sibling(dest);
    let _ = fs::remove_dir_all(&tmp);
    fs::create_dir_all(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    match fill(&tmp) {
        Ok(value) => {
            let old = dest.with_file_name(format!(
                ".{}.old-{}",
                dest.file_name()
                    .map_or("out".into(), |n| n.to_string_lossy()),
                std::process::id()
            ));
            let had_old = dest.exists();
            if had_old {
                fs::rename(dest, &old)
                    .with_context(|| format!("cannot replace {}", dest.display()))?;
            }
            fs::rename(&tmp, dest)
                .with_context(|| format!("cannot move the report to {}", dest.display()))?;
            if had_old {
                let _ = fs::remove_dir_all(&old);
            }
            Ok(value)
        }
        Err(e) => {
            let _ = fs::remove_dir_all(&tmp);
            Err(e)
        }
    }
}
