//! A priority change: the fields written, and the entry of a waiting
//! thread taken out of its line or own queue and put back under its new
//! key, so that both stay sorted. Apart: the one transition that keeps the
//! place and moves the thread within it.

use super::super::cx::Cx;
use super::super::state::conversation::Place;
use super::super::state::index::ConvIdx;

/// Changes `c`'s priority, keeping the line or own queue it waits in sorted.
pub(crate) fn set_priority(
    cx: &mut Cx<'_>,
    c: ConvIdx,
    base: crate::model::Priority,
    effective: crate::model::Priority,
) {
    let place = cx.st.conv(c).place;
    let waiting = matches!(place, Place::Queued | Place::WaitingFor { .. });
    if waiting {
        detach_waiting_entry(cx, c, false);
    }
    let conv = cx.st.conv_mut(c);
    conv.base_priority = base;
    conv.priority = effective;
    if waiting {
        detach_waiting_entry(cx, c, true);
    }
}

/// Changes the priority of a detached `c`, which sits in no line or own
/// queue whatever its place still says (its caller gives it its next
/// place at once).
pub(crate) fn set_priority_detached(
    cx: &mut Cx<'_>,
    c: ConvIdx,
    base: crate::model::Priority,
    effective: crate::model::Priority,
) {
    let conv = cx.st.conv_mut(c);
    conv.base_priority = base;
    conv.priority = effective;
}

/// Removes (`insert == false`) or re-inserts the entry of a waiting `c` in
/// its line or own queue, with the key its fields give now.
fn detach_waiting_entry(cx: &mut Cx<'_>, c: ConvIdx, insert: bool) {
    let conv = cx.st.conv(c);
    match conv.place {
        Place::Queued => {
            let (group, class, key) = (conv.group, conv.class(), conv.line_key());
            let extra = cx.st.extra_groups(c).len();
            for i in 0..=extra {
                let g = match i {
                    0 => group,
                    _ => cx.st.extra_groups(c)[i - 1],
                };
                let (st, head_start) = (&mut *cx.st, cx.cfg.class_head_start);
                let line = &mut st.groups[g.get()].waiting;
                if insert {
                    line.insert(&mut st.line_pool, class, key, c, head_start);
                } else {
                    line.remove(&mut st.line_pool, class, key, c, head_start);
                }
            }
        }
        Place::WaitingFor { agent, own } => {
            let key = conv.personal_key(own, cx.cfg);
            if insert {
                cx.st.personal_insert(agent, key, c);
            } else {
                cx.st.personal_remove(agent, key, c);
            }
        }
        _ => {}
    }
}
