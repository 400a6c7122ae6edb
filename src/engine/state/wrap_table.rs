//! Wrap-ups in progress, beside the conversation records. A `WrapHold`
//! is 40 bytes and set in a handful of records at a time (resolved
//! threads whose agent is still wrapping up), so a record no longer
//! carries one: it keeps a flag (`Conv::wrapping`, in its padding) and the
//! hold sits here, by slot. A conversation in wrap-up is never purged
//! (`conv_expiry.rs`), so a slot is not reused under its hold. The map
//! keeps its capacity as wrap-ups end: no allocation once it has grown to
//! the most wrap-ups at once.

use super::index::ConvIdx;
use super::workload::WrapHold;
use super::State;

impl State {
    /// `c`'s wrap-up, if it is in one.
    #[inline]
    pub(crate) fn wrap_of(&self, c: ConvIdx) -> Option<WrapHold> {
        if !self.conv(c).wrapping {
            return None;
        }
        let hold = self.wraps.get(&c).copied();
        debug_assert!(hold.is_some(), "a conversation in wrap-up has its hold");
        hold
    }

    /// Starts (or replaces) `c`'s wrap-up.
    pub(crate) fn set_wrap(&mut self, c: ConvIdx, hold: WrapHold) {
        self.conv_mut(c).wrapping = true;
        self.wraps.insert(c, hold);
    }

    /// Ends `c`'s wrap-up, returning it (`None`: it was in none).
    pub(crate) fn take_wrap(&mut self, c: ConvIdx) -> Option<WrapHold> {
        let conv = self.conv_mut(c);
        if !std::mem::take(&mut conv.wrapping) {
            return None;
        }
        self.wraps.remove(&c)
    }

    /// For the audit: every hold belongs to a conversation flagged in
    /// wrap-up, and every flagged one has a hold (given how many records
    /// are flagged). Returns the kept and recounted figures on a mismatch.
    pub(crate) fn check_wraps(&self, flagged: u64) -> Result<(), (&'static str, u64, u64)> {
        for &c in self.wraps.keys() {
            let flagged_here = self
                .convs
                .get(c.get())
                .and_then(Option::as_ref)
                .is_some_and(|v| v.wrapping);
            if !flagged_here {
                return Err(("a wrap-up hold without its conversation", 1, 0));
            }
        }
        let kept = self.wraps.len() as u64;
        if kept != flagged {
            return Err(("conversations in wrap-up", kept, flagged));
        }
        Ok(())
    }
}
