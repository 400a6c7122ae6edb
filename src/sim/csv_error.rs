//! Errors of the CSV import: each names the file, the line (the header is
//! line 1) and the column of the problem, and what would be accepted.

use thiserror::Error;

/// Why a conversations or roster file was refused.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CsvError {
    /// The file could not be read.
    #[error("cannot read {file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A required column is missing from the header.
    #[error("{file}: the header has no column `{column}`; required columns: {required}")]
    MissingColumn {
        /// The file.
        file: String,
        /// The missing column.
        column: &'static str,
        /// Every required column, comma-separated.
        required: String,
    },
    /// A line has more or fewer fields than the header.
    #[error("{file} line {line}: {found} fields, but the header has {expected}")]
    Shape {
        /// The file.
        file: String,
        /// The line.
        line: u64,
        /// Fields in the header.
        expected: u64,
        /// Fields on the line.
        found: u64,
    },
    /// A value that cannot be read.
    #[error("{file} line {line}, column `{column}`: `{value}` is not {expected}")]
    Field {
        /// The file.
        file: String,
        /// The line.
        line: u64,
        /// The column's header name.
        column: String,
        /// The rejected value.
        value: String,
        /// What the column accepts, in words.
        expected: String,
    },
    /// Any other problem the CSV reader found (bad quoting, bad UTF-8).
    #[error("{file} line {line}: {message}")]
    Malformed {
        /// The file.
        file: String,
        /// The line (0 when unknown).
        line: u64,
        /// The reader's description.
        message: String,
    },
    /// A file with a header and no data.
    #[error("{file}: no {what} in the file")]
    Empty {
        /// The file.
        file: String,
        /// What was expected (conversations, shifts).
        what: &'static str,
    },
}

impl CsvError {
    /// The line of the problem, when it has one (header = 1).
    pub fn line(&self) -> Option<u64> {
        match self {
            CsvError::Shape { line, .. }
            | CsvError::Field { line, .. }
            | CsvError::Malformed { line, .. } => Some(*line),
            _ => None,
        }
    }

    /// The column of the problem, when it has one.
    pub fn column(&self) -> Option<&str> {
        match self {
            CsvError::Field { column, .. } => Some(column),
            CsvError::MissingColumn { column, .. } => Some(column),
            _ => None,
        }
    }
}
