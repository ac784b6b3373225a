//! Session files written safely: appended in whole pieces, in owner-only folders. Both the
//! record's writer and the motion and frames writer use these.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

/// `create_dir_all` with owner-only permissions for every folder it makes.
pub fn private_dir_all(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// A file appended to in whole pieces, owner-only: a write that fails is cut back to where
/// the file ended before it, and a file found ending in a torn line (a crash mid-write) is
/// cut back to its last whole line, so a table never ends in half a row.
pub struct AppendFile {
    file: File,
    len: u64,
}

impl AppendFile {
    pub fn open(path: &Path) -> std::io::Result<Self> {
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .mode(0o600)
            .open(path)?;
        let mut len = file.metadata()?.len();
        if len > 0 {
            // Back to the last newline, reading at most the last 64 KiB.
            let back = len.min(65_536);
            file.seek(SeekFrom::Start(len - back))?;
            let mut tail = Vec::with_capacity(back as usize);
            file.read_to_end(&mut tail)?;
            if tail.last() != Some(&b'\n') {
                let keep = tail
                    .iter()
                    .rposition(|b| *b == b'\n')
                    .map_or(if back == len { 0 } else { len - back }, |i| {
                        len - back + i as u64 + 1
                    });
                file.set_len(keep)?;
                len = keep;
            }
        }
        Ok(Self { file, len })
    }

    /// Appends `bytes` whole (and syncs them, when asked), or leaves the file as it was.
    pub fn append(&mut self, bytes: &[u8], sync: bool) -> std::io::Result<()> {
        let result = self
            .file
            .write_all(bytes)
            .and_then(|()| if sync { self.file.sync_data() } else { Ok(()) });
        match result {
            Ok(()) => {
                self.len += bytes.len() as u64;
                Ok(())
            }
            Err(e) => match self.file.set_len(self.len) {
                Ok(()) => Err(e),
                Err(cut) => Err(std::io::Error::other(format!(
                    "{e}; and the torn end could not be cut ({cut})"
                ))),
            },
        }
    }

    /// Nothing in the file yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn sync(&self) -> std::io::Result<()> {
        self.file.sync_data()
    }
}
