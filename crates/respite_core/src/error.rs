//! Errors that name the place: file, line, column and what was expected.

use std::fmt;
use std::path::{Path, PathBuf};

/// The largest spec file read, bytes: far more than any scene or protocol needs, and small
/// enough that a wrong path (a disk image, a log) is refused instead of read into memory.
pub const MAX_SPEC_BYTES: u64 = 4 << 20;

/// A spec file's text, or why it cannot be had. Only a regular file (or a link to one) is
/// opened: a FIFO, socket or device would block or never end, so it is refused by its
/// type before it is opened. Text that is not UTF-8 is refused at the line and column of
/// its first bad byte.
pub fn read_spec(file: &Path) -> Result<String, SpecError> {
    use std::io::Read;
    let whole = |message: String| SpecError::new(file, 0, 0, message);
    let meta = std::fs::metadata(file).map_err(|e| whole(format!("cannot read the file: {e}")))?;
    if !meta.is_file() {
        return Err(whole(format!(
            "cannot read the file: it is not a regular file but {}",
            file_kind(&meta.file_type())
        )));
    }
    if meta.len() > MAX_SPEC_BYTES {
        return Err(whole(format!(
            "cannot read the file: it has {} bytes; a spec file may have at most {MAX_SPEC_BYTES}",
            meta.len()
        )));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(MAX_SPEC_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| whole(format!("cannot read the file: {e}")))?;
    if bytes.len() as u64 > MAX_SPEC_BYTES {
        return Err(whole(format!(
            "cannot read the file: it grew past {MAX_SPEC_BYTES} bytes while being read"
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.into_bytes();
        let (line, col) = line_col(&bytes, at);
        SpecError::new(
            file,
            line,
            col,
            format!(
                "the file is not UTF-8 text: byte 0x{:02X} (byte {at} of the file) is not valid \
                 here; save the file as UTF-8",
                bytes[at]
            ),
        )
    })
}

/// The 1-based line and column (in characters) of byte `at` of `bytes`, which are valid
/// UTF-8 up to `at`.
pub fn line_col(bytes: &[u8], at: usize) -> (usize, usize) {
    let before = &bytes[..at.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let col = String::from_utf8_lossy(&before[start..]).chars().count() + 1;
    (line, col)
}

/// What a path that is not a regular file is, in words.
fn file_kind(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
    }
    if t.is_dir() { "a folder" } else { "not a file" }
}

/// A RON parse error at the place it names.
pub fn ron_error(file: &Path, e: &ron::error::SpannedError) -> SpecError {
    SpecError::new(
        file,
        e.span.start.line,
        e.span.start.col,
        e.code.to_string(),
    )
}

/// One problem in one spec file, at a position a person can jump to.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecError {
    pub file: PathBuf,
    /// 1-based line; 0 when the problem is the file as a whole (unreadable).
    pub line: usize,
    /// 1-based column; 0 when the problem is the file as a whole.
    pub col: usize,
    pub message: String,
}

impl SpecError {
    pub fn new(file: &Path, line: usize, col: usize, message: impl Into<String>) -> Self {
        Self {
            file: file.to_path_buf(),
            line,
            col,
            message: message.into(),
        }
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file.display(),
                self.line,
                self.col,
                self.message
            )
        }
    }
}

impl std::error::Error for SpecError {}

/// Every problem found in one file, so a person fixes them in one pass.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecErrors(pub Vec<SpecError>);

impl fmt::Display for SpecErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecErrors {}

impl From<SpecError> for SpecErrors {
    fn from(e: SpecError) -> Self {
        Self(vec![e])
    }
}
