//! Who hears of a command a batch staged: nobody (a tick), one caller
//! (`send`), or its place in a caller's batch (`send_batch`), whose
//! answers are filled in order and sent together, in one slot with one
//! wake-up, once the shard's batch is complete (`batch.rs`).

use super::message::{Accepted, Answer, Refusal, Reply};

/// Who hears of a staged command.
pub(crate) enum To {
    /// Nobody: a timer tick.
    Tick,
    /// The caller of one command.
    One(Reply<Accepted>),
    /// The command at `index` of the batch at `batch` in
    /// `Shard::batches_sent` (a caller's `send_batch`). `u32`s, so that
    /// `Staged` stays 64 bytes (both are below `MAX_BATCH`, 65,536).
    Many { batch: u32, index: u32 },
}

/// The answers to one caller's batch (`send_batch`), filled in order as
/// its commands are staged and sent together once the shard's batch is
/// complete.
pub(crate) struct ManyAnswers {
    pub(crate) answers: Vec<Answer<Accepted>>,
    pub(crate) reply: Reply<Vec<Answer<Accepted>>>,
}

/// Answers `to` with `refusal`: at once for one command, in its place in
/// the answers for a command of a caller's batch. Inlined, so the answer
/// is built in place, not copied through the call.
#[inline]
pub(crate) fn refuse(sent: &mut [ManyAnswers], to: To, refusal: Refusal) {
    match to {
        To::Tick => {}
        To::One(reply) => {
            let _ = reply.send(Err(refusal));
        }
        To::Many { batch, .. } => {
            if let Some(many) = sent.get_mut(batch as usize) {
                many.answers.push(Err(refusal));
            }
        }
    }
}

/// The answer of the command at `index` of the caller's batch at `batch`.
pub(crate) fn answer_at(
    sent: &mut [ManyAnswers],
    batch: u32,
    index: u32,
) -> Option<&mut Answer<Accepted>> {
    sent.get_mut(batch as usize)?
        .answers
        .get_mut(index as usize)
}
