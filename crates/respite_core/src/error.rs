//! Errors that name the place: file, line, column and what was expected.

use std::fmt;
use std::path::{Path, PathBuf};

/// A spec file's text, or why it could not be read (the file as a whole).
pub fn read_spec(file: &Path) -> Result<String, SpecError> {
    std::fs::read_to_string(file)
        .map_err(|e| SpecError::new(file, 0, 0, format!("cannot read the file: {e}")))
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
