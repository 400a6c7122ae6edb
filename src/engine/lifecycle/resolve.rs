//! A thread's end: closed from any place but resolved, off its route for
//! good, and on a channel with wrap-up part of its weight kept on the
//! agent while the wrap-up runs. Apart: the one transition out of every
//! place, and the one that hands over to `wrapup`.

use super::super::cx::Cx;
use super::super::decision::Decision;
use super::super::state::conversation::{Place, When};
use super::super::state::index::ConvIdx;
use super::super::workload::wrapup;
use super::detach;
use crate::model::ResolveReason;

/// Closes `c` from any place but resolved. An assigned thread on a
/// channel with wrap-up leaves part of its weight on the agent: only the
/// rest is given back, and the wrap-up starts.
pub(crate) fn resolve(cx: &mut Cx<'_>, c: ConvIdx, reason: ResolveReason) {
    let kept = wrapup::hold_on_resolve(cx, c);
    if let Some((_, hold)) = kept {
        cx.st.conv_mut(c).held.0 -= hold.0;
    }
    let left = detach(cx, c);
    let at = cx.at;
    let conv = cx.st.conv_mut(c);
    conv.place = Place::Resolved { reason, at };
    conv.set_sticky_agent(None);
    conv.sla_gen = conv.sla_gen.wrapping_add(1);
    conv.set_at(When::ParkDue, None);
    let id = conv.id;
    // Off its route for good (a later plan does not re-evaluate it).
    if let Some(p) = cx.st.conv_plan_mut(c) {
        p.route = None;
    }
    cx.st.note_resolved(c);
    cx.st.open_remove(c);
    let agent = left.map(|(a, _, _)| cx.st.id(a));
    if let Some((_, hold)) = kept {
        // The hold stayed on the agent through `detach` (which released
        // only the rest), so the load reported includes it.
        cx.st.conv_mut(c).held = hold;
    }
    cx.emit(Decision::Resolved {
        conversation: id,
        agent,
        reason,
        load: left.map(|l| l.1),
        cap: left.map(|l| l.2),
    });
    if let Some((keeper, _)) = kept {
        wrapup::start(cx, c, keeper);
    }
}
