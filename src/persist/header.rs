//! The journal's header: the rules a journal was written under, so that it
//! is never replayed under other ones.
//!
//! A journal records commands, not decisions: replaying it under another
//! [`EngineConfig`] or policy makes other decisions than the ones that were
//! acknowledged. So every journal directory starts with a header,
//! `rules.swh` (written atomically when the directory is created, never
//! rewritten): the record format version ([`JOURNAL_FORMAT`]), the engine
//! configuration, its canonical hash, and the policy's name. Opening the
//! directory compares the rules in force at the journal's end (the
//! header's, changed by any journaled [`Command::Reconfigure`]) with the
//! ones the host passes, and refuses a difference with
//! [`PersistError::RulesChanged`], which names what differs. A host that
//! means the change opens with it accepted
//! ([`Durable::open_reconfiguring`](super::Durable::open_reconfiguring),
//! [`FileStore::accept_rule_changes`](crate::runtime::FileStore::accept_rule_changes)):
//! the change is then journaled as a `Command::Reconfigure` record, so a
//! later replay applies it at the same place.
//!
//! A directory written before headers existed gets one on its first open,
//! pinning the rules its newest snapshot recorded.
//!
//! Bytes: `b"SWBRULE1"`, then one frame (length, CRC-32, payload; see
//! `frame.rs`) whose payload is the header as JSON.

use super::error::PersistError;
use super::frame::{self, FrameRead};
use super::layout;
use crate::engine::{config_differences, EngineConfig};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The format of journal records this build writes and reads: version 1 is
/// `seq u64 LE | at u64 LE | Command as JSON` (serde's externally tagged
/// `type` field, snake case), framed as in `frame.rs`. A change of the
/// command's JSON that old records would not decode to the same command
/// needs a new version and a migration; `tests/persist/persist_fixtures.rs`
/// recovers journals written by earlier builds to catch one made by
/// mistake.
pub const JOURNAL_FORMAT: u32 = 1;

/// The header's file name in a journal directory.
pub const HEADER_FILE: &str = "rules.swh";

const HEADER_MAGIC: [u8; 8] = *b"SWBRULE1";

/// The rules a journal was written under (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JournalHeader {
    /// The record format ([`JOURNAL_FORMAT`] when written by this build).
    pub format: u32,
    /// The engine configuration at the journal's first record.
    pub config: EngineConfig,
    /// [`config_hash`] of `config` as the writer serialized it, to compare
    /// without reading it.
    pub config_hash: String,
    /// The routing policy's name.
    pub policy: String,
}

/// A canonical hash of a configuration: CRC-32 of its JSON (fields in
/// declaration order, so equal configurations hash equal), as 8 hex digits.
pub fn config_hash(config: &EngineConfig) -> String {
    let json = serde_json::to_vec(config).unwrap_or_default();
    format!("{:08x}", crc32fast::hash(&json))
}

impl JournalHeader {
    /// The header of a journal starting under `config` and `policy`.
    pub fn new(config: &EngineConfig, policy: &str) -> Self {
        Self {
            format: JOURNAL_FORMAT,
            config_hash: config_hash(config),
            config: config.clone(),
            policy: policy.to_owned(),
        }
    }

    /// The header's bytes.
    pub fn encode(&self) -> Result<Vec<u8>, PersistError> {
        let json = serde_json::to_vec(self).map_err(|source| PersistError::Encode {
            what: "journal header",
            source,
        })?;
        let mut bytes = HEADER_MAGIC.to_vec();
        frame::encode(&json, &mut bytes)?;
        Ok(bytes)
    }

    /// Reads a header's bytes; damage or an unknown format is a typed error
    /// naming `path`.
    pub fn decode(bytes: &[u8], path: &Path) -> Result<Self, PersistError> {
        let bad = |reason: String| PersistError::BadHeader {
            path: path.to_path_buf(),
            reason,
        };
        let Some(rest) = bytes.strip_prefix(&HEADER_MAGIC) else {
            return Err(bad("not a journal header (wrong magic)".into()));
        };
        let mut reader = rest;
        let payload = match frame::read(&mut reader, rest.len() as u64) {
            Ok(FrameRead::Frame(payload)) => payload,
            Ok(FrameRead::End) => return Err(bad("empty".into())),
            Ok(FrameRead::Damaged(damage)) => return Err(bad(damage.to_string())),
            Err(e) => return Err(bad(e.to_string())),
        };
        // The format first, so a newer build's header is named as such
        // rather than as undecodable.
        let format = serde_json::from_slice::<serde_json::Value>(&payload)
            .ok()
            .and_then(|v| v.get("format").and_then(serde_json::Value::as_u64));
        if let Some(found) = format.filter(|f| *f != u64::from(JOURNAL_FORMAT)) {
            return Err(PersistError::UnsupportedFormat {
                path: path.to_path_buf(),
                found,
                supported: JOURNAL_FORMAT,
            });
        }
        // The frame's CRC guards the bytes. The hash is not recomputed
        // here: a later build may serialize an equal configuration
        // differently (a renamed representation read through an alias), so
        // it is the writer's hash, kept for hosts to compare.
        let header: Self =
            serde_json::from_slice(&payload).map_err(|e| bad(format!("undecodable: {e}")))?;
        Ok(header)
    }
}

/// The differences between the rules a journal ends under and the ones a
/// host passes, `None` when they agree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RulesDiff {
    /// Configuration settings that differ, by name.
    pub config: Vec<String>,
    /// `(journal's, given)` policy names, when they differ.
    pub policy: Option<(String, String)>,
}

impl std::fmt::Display for RulesDiff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if !self.config.is_empty() {
            parts.push(format!("configuration {}", self.config.join(", ")));
        }
        if let Some((journal, given)) = &self.policy {
            parts.push(format!("policy {journal:?} (given {given:?})"));
        }
        f.write_str(&parts.join("; "))
    }
}

/// Compares the journal's rules (`journal_config`, `journal_policy`) with
/// the host's.
pub fn rules_diff(
    journal_config: &EngineConfig,
    journal_policy: &str,
    config: &EngineConfig,
    policy: &str,
) -> Option<RulesDiff> {
    let diff = RulesDiff {
        config: config_differences(journal_config, config),
        policy: (journal_policy != policy).then(|| (journal_policy.to_owned(), policy.to_owned())),
    };
    (!diff.config.is_empty() || diff.policy.is_some()).then_some(diff)
}

/// Reads `dir`'s header, `None` when it has none (a new directory, or one
/// written before headers existed).
pub fn read_header(dir: &Path) -> Result<Option<JournalHeader>, PersistError> {
    let path = dir.join(HEADER_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => JournalHeader::decode(&bytes, &path).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(PersistError::io("read", &path, e)),
    }
}

/// Writes `dir`'s header atomically.
pub(crate) fn write_header(dir: &Path, header: &JournalHeader) -> Result<(), PersistError> {
    layout::write_atomically(dir, HEADER_FILE, &header.encode()?).map(|_| ())
}
