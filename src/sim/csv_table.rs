//! Reading a CSV file by column name, with every problem reported as a
//! [`CsvError`] naming the line and the column. Columns may come in any
//! order; extra columns are ignored (helpdesk exports carry many).

use super::csv_error::CsvError;
use super::timefmt::parse_iso_ms;
use std::collections::HashMap;

/// One data line, with what is needed to name its problems.
pub(crate) struct Line<'a> {
    pub(crate) file: &'a str,
    pub(crate) line: u64,
    record: csv::StringRecord,
    columns: &'a HashMap<String, usize>,
}

/// Every data line of `text`, after checking the header has `required`.
pub(crate) fn read<'a>(
    file: &'a str,
    text: &str,
    required: &'static [&'static str],
    columns: &'a mut HashMap<String, usize>,
) -> Result<Vec<Line<'a>>, CsvError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| malformed(file, &e))?.clone();
    columns.clear();
    for (i, name) in header.iter().enumerate() {
        columns.insert(name.to_ascii_lowercase(), i);
    }
    for column in required {
        if !columns.contains_key(*column) {
            return Err(CsvError::MissingColumn {
                file: file.to_string(),
                column,
                required: required.join(", "),
            });
        }
    }
    let mut lines = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| malformed(file, &e))?;
        let line = record.position().map_or(0, |p| p.line());
        lines.push((line, record));
    }
    let columns: &'a HashMap<String, usize> = columns;
    Ok(lines
        .into_iter()
        .map(|(line, record)| Line {
            file,
            line,
            record,
            columns,
        })
        .collect())
}

fn malformed(file: &str, e: &csv::Error) -> CsvError {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => CsvError::Shape {
            file: file.to_string(),
            line: pos.as_ref().map_or(0, |p| p.line()),
            expected: *expected_len,
            found: *len,
        },
        _ => CsvError::Malformed {
            file: file.to_string(),
            line: e.position().map_or(0, |p| p.line()),
            message: e.to_string(),
        },
    }
}

impl Line<'_> {
    /// The raw value of `column`; `None` when the column is absent or the
    /// cell empty.
    pub(crate) fn get(&self, column: &str) -> Option<&str> {
        let i = *self.columns.get(column)?;
        self.record.get(i).filter(|v| !v.is_empty())
    }

    /// A problem with `value` in `column`.
    pub(crate) fn error(&self, column: &str, value: &str, expected: &str) -> CsvError {
        CsvError::Field {
            file: self.file.to_string(),
            line: self.line,
            column: column.to_string(),
            value: value.to_string(),
            expected: expected.to_string(),
        }
    }

    /// A required cell.
    pub(crate) fn required(&self, column: &str) -> Result<&str, CsvError> {
        self.get(column)
            .ok_or_else(|| self.error(column, "", "empty; the column is required"))
    }

    /// A timestamp (ISO 8601, or seconds as a number) in ms, if present.
    pub(crate) fn time(&self, column: &str) -> Result<Option<i64>, CsvError> {
        let Some(v) = self.get(column) else {
            return Ok(None);
        };
        if let Some(ms) = parse_iso_ms(v) {
            return Ok(Some(ms));
        }
        match v.parse::<f64>() {
            Ok(s) if s.is_finite() && s.abs() < 1e13 => Ok(Some((s * 1_000.0).round() as i64)),
            _ => Err(self.error(
                column,
                v,
                "a time: ISO 8601 such as 2026-03-02T09:15:00Z, or seconds as a number",
            )),
        }
    }

    /// A value of a serde enum spelled in snake_case (`whatsapp`, `vip`).
    pub(crate) fn variant<T: serde::de::DeserializeOwned>(
        &self,
        column: &str,
        known: &str,
    ) -> Result<Option<T>, CsvError> {
        let Some(v) = self.get(column) else {
            return Ok(None);
        };
        let value = serde_json::Value::String(v.to_ascii_lowercase());
        serde_json::from_value(value)
            .map(Some)
            .map_err(|_| self.error(column, v, &format!("one of: {known}")))
    }

    /// A whole number in `lo..=hi`, if present.
    pub(crate) fn number(&self, column: &str, lo: u64, hi: u64) -> Result<Option<u64>, CsvError> {
        let Some(v) = self.get(column) else {
            return Ok(None);
        };
        v.parse::<u64>()
            .ok()
            .filter(|n| (lo..=hi).contains(n))
            .map(Some)
            .ok_or_else(|| self.error(column, v, &format!("a whole number in {lo}..={hi}")))
    }
}
