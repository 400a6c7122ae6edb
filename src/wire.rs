//! The versioned wire format of commands and decisions, for anything that
//! stores or sends them outside one process: a host's own log or queue, a
//! decision stream kept for audit, a replay tool.
//!
//! Each message is one JSON object (no newline inside, so a stream is JSON
//! lines) that names its format first:
//!
//! ```json
//! {"format":1,"at":1000,"command":{"type":"resolve","conversation":7,"reason":"solved"}}
//! {"format":1,"at":1000,"decisions":[{"kind":"resolved","conversation":7,...}]}
//! ```
//!
//! The command's encoding is the journal's (a journal's records are
//! `JOURNAL_FORMAT` 1 under their header, the same command JSON), and
//! [`WIRE_FORMAT`] moves with it. A reader checks the version before it
//! decodes the body, so a message from a newer build is refused as such
//! ([`WireError::UnsupportedFormat`]), not as damage. Changing how a
//! command or decision encodes so that old messages no longer decode to the
//! same value needs a new version and a migration:
//! `tests/persist/wire_fixtures.rs` decodes a stream, a snapshot and a journal
//! written by the build that introduced version 1 and fails otherwise.

use crate::engine::{Command, Decision};
use crate::model::Timestamp;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The wire format this build writes and reads.
pub const WIRE_FORMAT: u32 = 1;

// Commands are journaled in the same encoding: the two move together.
const _: () = assert!(WIRE_FORMAT == crate::persist::JOURNAL_FORMAT);

/// Why a message could not be decoded.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum WireError {
    /// The message names a format this build does not read (a newer one).
    #[error("wire format {found} is not supported (this build reads format {supported})")]
    UnsupportedFormat {
        /// The format the message names.
        found: u64,
        /// The format this build reads.
        supported: u32,
    },
    /// The message is not a JSON object with a numeric `format`.
    #[error("not a switchboard wire message: no numeric `format` field")]
    MissingFormat,
    /// The message names this format but its body does not decode (or,
    /// when encoding, the value does not encode).
    #[error("malformed {what}: {source}")]
    Malformed {
        /// What was being decoded or encoded.
        what: &'static str,
        /// The JSON error, with its line and column.
        #[source]
        source: serde_json::Error,
    },
}

/// One command as it travels: format, host time, command.
#[derive(Serialize)]
struct CommandOut<'a> {
    format: u32,
    at: Timestamp,
    command: &'a Command,
}

#[derive(Deserialize)]
struct CommandIn {
    at: Timestamp,
    command: Command,
}

/// The decisions of one command as they travel: format, host time,
/// decisions in order.
#[derive(Serialize)]
struct DecisionsOut<'a> {
    format: u32,
    at: Timestamp,
    decisions: &'a [Decision],
}

#[derive(Deserialize)]
struct DecisionsIn {
    at: Timestamp,
    decisions: Vec<Decision>,
}

/// Only the version, read before the body (other fields ignored).
#[derive(Deserialize)]
struct Probe {
    format: Option<serde_json::Value>,
}

/// Checks that `bytes` name this build's format.
fn check_format(bytes: &[u8]) -> Result<(), WireError> {
    let probe: Probe = serde_json::from_slice(bytes).map_err(|_| WireError::MissingFormat)?;
    let found = probe
        .format
        .as_ref()
        .and_then(serde_json::Value::as_u64)
        .ok_or(WireError::MissingFormat)?;
    if found != u64::from(WIRE_FORMAT) {
        return Err(WireError::UnsupportedFormat {
            found,
            supported: WIRE_FORMAT,
        });
    }
    Ok(())
}

fn encode<T: Serialize>(what: &'static str, value: &T) -> Result<Vec<u8>, WireError> {
    serde_json::to_vec(value).map_err(|source| WireError::Malformed { what, source })
}

/// Encodes `command`, applied at host time `at`, as one message.
pub fn encode_command(at: Timestamp, command: &Command) -> Result<Vec<u8>, WireError> {
    encode(
        "command",
        &CommandOut {
            format: WIRE_FORMAT,
            at,
            command,
        },
    )
}

/// Decodes a message written by [`encode_command`]: its host time and
/// command, or a typed error (another format, not a message, a body that
/// does not decode).
pub fn decode_command(bytes: &[u8]) -> Result<(Timestamp, Command), WireError> {
    check_format(bytes)?;
    let message: CommandIn =
        serde_json::from_slice(bytes).map_err(|source| WireError::Malformed {
            what: "command",
            source,
        })?;
    Ok((message.at, message.command))
}

/// Encodes the decisions one command caused at host time `at`, in order,
/// as one message.
pub fn encode_decisions(at: Timestamp, decisions: &[Decision]) -> Result<Vec<u8>, WireError> {
    encode(
        "decisions",
        &DecisionsOut {
            format: WIRE_FORMAT,
            at,
            decisions,
        },
    )
}

/// Decodes a message written by [`encode_decisions`].
pub fn decode_decisions(bytes: &[u8]) -> Result<(Timestamp, Vec<Decision>), WireError> {
    check_format(bytes)?;
    let message: DecisionsIn =
        serde_json::from_slice(bytes).map_err(|source| WireError::Malformed {
            what: "decisions",
            source,
        })?;
    Ok((message.at, message.decisions))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ConversationId, CustomerId};

    #[test]
    fn a_message_of_another_format_is_refused_as_such() {
        let json = br#"{"format":2,"at":5,"command":{"type":"tick"}}"#;
        assert!(matches!(
            decode_command(json),
            Err(WireError::UnsupportedFormat {
                found: 2,
                supported: 1
            })
        ));
        for bad in [&b"[]"[..], b"{}", br#"{"format":"1"}"#, b"\xff", b""] {
            assert!(matches!(decode_command(bad), Err(WireError::MissingFormat)));
        }
        let body = br#"{"format":1,"at":5,"command":{"type":"no_such_command"}}"#;
        assert!(matches!(
            decode_command(body),
            Err(WireError::Malformed {
                what: "command",
                ..
            })
        ));
    }

    #[test]
    fn commands_and_decisions_round_trip_with_their_version() {
        let open: Command = Command::open(ConversationId(1), CustomerId(2)).into();
        let bytes = encode_command(Timestamp(7), &open).expect("encodes");
        assert!(
            bytes.starts_with(br#"{"format":1,"#),
            "the version comes first"
        );
        assert_eq!(
            decode_command(&bytes).expect("decodes"),
            (Timestamp(7), open)
        );
        let decisions = vec![Decision::Queued {
            conversation: ConversationId(1),
        }];
        let bytes = encode_decisions(Timestamp(7), &decisions).expect("encodes");
        assert_eq!(
            decode_decisions(&bytes).expect("decodes"),
            (Timestamp(7), decisions)
        );
    }
}
