//! Reclaiming skill groups. A group is made the first time a command names
//! its skills; a host naming a new skill set per conversation would grow
//! the group slab without end. A group with no member is reclaimed when the
//! last conversation pointing at it (in any state, until purged) leaves it:
//! its key, lines and index entries go, and its slot joins `free_groups`,
//! reused last-in first-out by the next new group. Each release is O(1): a
//! reference count per group and the group's position in its skill list.
//!
//! Why no decision moves: a group with no member never assigns; members are
//! never removed, so a member-less group only gains members when an agent
//! registers, and a group made again later finds the same members (in the
//! same order, ascending) through the skill index. Only slot numbers
//! differ, and the engine's choices never tie-break on a group's slot
//! (waiting work is compared by arrival, agents by rank then member order).
//! A plan's overflow groups are pinned instead (their lists are not
//! counted), as are groups no conversation has pointed at yet.

use super::group::Group;
use super::index::{ConvIdx, GroupIdx};
use super::State;
use crate::engine::audit::AuditViolation;

impl State {
    /// Groups in use (slots minus reclaimed ones).
    pub(crate) fn live_groups(&self) -> usize {
        self.groups.len() - self.free_groups.len()
    }

    /// The slot the next new group takes: the last reclaimed one, else a
    /// new one (`None` past the index's range).
    pub(crate) fn next_group_slot(&self) -> Option<GroupIdx> {
        match self.free_groups.last() {
            Some(&g) => Some(g),
            None => GroupIdx::new(self.groups.len()),
        }
    }

    /// Puts `group` in slot `g` (from `next_group_slot`) and lists it by
    /// key and by first skill.
    pub(crate) fn install_group(&mut self, g: GroupIdx, group: Group) {
        self.group_keys.insert(group.key.clone(), g);
        if self.free_groups.last() == Some(&g) {
            self.free_groups.pop();
            debug_assert!(self.groups[g.get()].vacant, "a reused slot is vacant");
            self.groups[g.get()] = group;
        } else {
            debug_assert_eq!(g.get(), self.groups.len(), "a new slot is the next");
            self.groups.push(group);
        }
        self.list_group(g);
    }

    /// Appends `g` to its skill list (`groups_by_skill` by its first
    /// skill, or `open_groups`), remembering where.
    pub(crate) fn list_group(&mut self, g: GroupIdx) {
        let list = match self.groups[g.get()].key.skills.first() {
            Some(first) => self.groups_by_skill.entry(first.skill).or_default(),
            None => &mut self.open_groups,
        };
        let pos = u32::try_from(list.len()).expect("group lists stay below u32::MAX");
        list.push(g);
        self.groups[g.get()].index_pos = pos;
    }

    /// Takes `g` out of its skill list in O(1) (the last entry moves into
    /// its place; the lists' order is not used).
    fn unlist_group(&mut self, g: GroupIdx) {
        let pos = self.groups[g.get()].index_pos as usize;
        let first = self.groups[g.get()].key.skills.first().map(|r| r.skill);
        let list = match first {
            Some(skill) => self
                .groups_by_skill
                .get_mut(&skill)
                .expect("a listed group's skill has a list"),
            None => &mut self.open_groups,
        };
        debug_assert_eq!(list.get(pos), Some(&g), "the group is where it says");
        list.swap_remove(pos);
        let moved = list.get(pos).copied();
        if list.is_empty() {
            if let Some(skill) = first {
                self.groups_by_skill.remove(&skill);
            }
        }
        if let Some(moved) = moved {
            self.groups[moved.get()].index_pos = pos as u32;
        }
    }

    /// Counts one more conversation pointing at `g`.
    #[inline]
    pub(crate) fn hold_group(&mut self, g: GroupIdx) {
        let group = &mut self.groups[g.get()];
        group.refs = group.refs.checked_add(1).expect("conversations < u32::MAX");
    }

    /// Counts one conversation fewer pointing at `g`, and reclaims `g` if
    /// that was the last and it has no member.
    pub(crate) fn release_group(&mut self, g: GroupIdx) {
        let group = &mut self.groups[g.get()];
        debug_assert!(group.refs > 0, "a released group was held");
        group.refs = group.refs.saturating_sub(1);
        if group.refs == 0 && group.members.is_empty() && !group.pinned && !group.vacant {
            self.reclaim(g);
        }
    }

    /// Points conversation `c` at group `g` (its own group), releasing the
    /// one it pointed at.
    pub(crate) fn set_group(&mut self, c: ConvIdx, g: GroupIdx) {
        let old = self.conv(c).group;
        if old == g {
            return;
        }
        self.hold_group(g);
        self.conv_mut(c).group = g;
        self.release_group(old);
    }

    /// Empties slot `g` (no member, no conversation) and lists it free.
    fn reclaim(&mut self, g: GroupIdx) {
        let group = &self.groups[g.get()];
        debug_assert!((group.waiting.len() == 0) && group.pending.is_empty());
        debug_assert!(
            !group.tenant_blocked,
            "a group with no member is never held back"
        );
        let channel = group.key.channel;
        self.unlist_group(g);
        let old = std::mem::replace(&mut self.groups[g.get()], Group::vacant(channel));
        self.group_keys.remove(&old.key);
        self.free_groups.push(g);
    }

    /// Recounts what reclaiming keeps: every group's references, the free
    /// list against the vacant slots, and each group's place in its list.
    pub(crate) fn audit_groups(&self) -> Result<(), AuditViolation> {
        let mismatch = |what, kept: usize, recounted: usize| AuditViolation::StatisticMismatch {
            what,
            kept: kept as u64,
            recounted: recounted as u64,
        };
        let mut refs = vec![0u32; self.groups.len()];
        for conv in self.convs.iter().flatten() {
            let g = conv.group.get();
            if self.groups.get(g).is_none_or(|g| g.vacant) {
                return Err(mismatch("conversations in reclaimed groups", 0, 1));
            }
            refs[g] += 1;
        }
        let mut free = vec![false; self.groups.len()];
        for g in &self.free_groups {
            match free.get_mut(g.get()) {
                Some(seen) if !*seen => *seen = true,
                _ => return Err(mismatch("free group slots", self.free_groups.len(), 0)),
            }
        }
        let mut vacant = 0;
        for (i, group) in self.groups.iter().enumerate() {
            if group.refs != refs[i] {
                return Err(mismatch(
                    "group references",
                    group.refs as usize,
                    refs[i] as usize,
                ));
            }
            if group.vacant {
                vacant += 1;
                let empty = group.members.is_empty()
                    && (group.waiting.len() == 0)
                    && group.key.skills.is_empty()
                    && !group.tenant_blocked;
                if !empty || !free[i] {
                    return Err(mismatch("free group slots", self.free_groups.len(), vacant));
                }
                continue;
            }
            let list = match group.key.skills.first() {
                Some(first) => self.groups_by_skill.get(&first.skill).map(Vec::as_slice),
                None => Some(&self.open_groups[..]),
            };
            let listed = list
                .and_then(|l| l.get(group.index_pos as usize))
                .map(|g| g.get());
            if listed != Some(i) || self.group_keys.get(&group.key).map(|g| g.get()) != Some(i) {
                return Err(mismatch("groups listed by skill and key", 0, 1));
            }
        }
        let listed =
            self.open_groups.len() + self.groups_by_skill.values().map(Vec::len).sum::<usize>();
        if vacant != self.free_groups.len() || listed != self.live_groups() {
            return Err(mismatch("free group slots", self.free_groups.len(), vacant));
        }
        if self.group_keys.len() != self.live_groups() {
            return Err(mismatch(
                "group keys",
                self.group_keys.len(),
                self.live_groups(),
            ));
        }
        Ok(())
    }
}
