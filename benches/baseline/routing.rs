//! The baseline's routing: the scan over every agent for the least-loaded
//! eligible one (the naive part it exists to show), assignment, a freed
//! agent's pull from its groups' lines, and taking a conversation out of
//! wherever it is.

use super::*;

impl Run<'_> {
    /// The naive part: scan every agent for the least-loaded eligible one.
    pub(super) fn pick(&self, queue: usize) -> Option<u32> {
        let q = &self.s.queues[queue];
        let mut best: Option<((u64, u64), u32)> = None;
        for (i, a) in self.s.agents.iter().enumerate() {
            if a.status != AgentStatus::Online || a.cap - a.load < q.weight || !a.eligible(&q.key) {
                continue;
            }
            let rank = (u64::from(a.load) * 1000 / u64::from(a.cap), a.last_activity);
            if best.is_none_or(|(b, _)| rank < b) {
                best = Some((rank, i as u32));
            }
        }
        best.map(|(_, i)| i)
    }

    /// Assigns to the least-loaded eligible agent, or queues.
    pub(super) fn route(&mut self, id: ConversationId) {
        let queue = self.s.convs[&id].queue;
        match self.pick(queue) {
            Some(agent) => self.assign(id, agent, AssignVia::Policy),
            None => {
                let conv = self.s.convs.get_mut(&id).expect("routed conversation");
                conv.state = St::Queued;
                let head = self.c.class_head_start.0 as i64 * i64::from(conv.priority.rank());
                let key = (conv.waiting_since as i64 - head, conv.seq);
                self.s.queues[queue].waiting.insert(key, id);
                self.out.push(Decision::Queued { conversation: id });
            }
        }
    }

    pub(super) fn assign(&mut self, id: ConversationId, agent: u32, via: AssignVia) {
        let conv = self.s.convs.get_mut(&id).expect("assigned conversation");
        let weight = self.s.queues[conv.queue].weight;
        let a = &mut self.s.agents[agent as usize];
        debug_assert!(a.load + weight <= a.cap);
        a.load += weight;
        a.last_activity = a.last_activity.max(self.at);
        conv.held = weight;
        conv.state = St::Assigned(agent);
        a.inbox.insert((conv.inbox_key(), id));
        if let Some(c) = self.s.customers.get_mut(&conv.customer) {
            c.1 = Some((agent, self.at));
        }
        self.out.push(Decision::Assigned {
            conversation: id,
            agent: a.id,
            via,
            load: Capacity(a.load),
            cap: Capacity(a.cap),
        });
    }

    /// A freed agent takes the best waiting work of its groups while it fits.
    pub(super) fn pull(&mut self, agent: u32) {
        loop {
            let a = &self.s.agents[agent as usize];
            if a.status != AgentStatus::Online {
                return;
            }
            let free = a.cap - a.load;
            let best = a
                .queues
                .iter()
                .filter(|&&q| self.s.queues[q].weight <= free)
                .filter_map(|&q| {
                    self.s.queues[q]
                        .waiting
                        .first_key_value()
                        .map(|(k, c)| (*k, q, *c))
                })
                .min();
            let Some((key, q, id)) = best else {
                return;
            };
            self.s.queues[q].waiting.remove(&key);
            self.assign(id, agent, AssignVia::Pull);
        }
    }

    /// Takes a conversation out of wherever it is; returns the agent freed.
    pub(super) fn detach(&mut self, id: ConversationId) -> Option<u32> {
        let conv = self.s.convs.get_mut(&id)?;
        let held = std::mem::take(&mut conv.held);
        match conv.state {
            St::Queued => {
                let head = self.c.class_head_start.0 as i64 * i64::from(conv.priority.rank());
                let key = (conv.waiting_since as i64 - head, conv.seq);
                self.s.queues[conv.queue].waiting.remove(&key);
                None
            }
            St::Assigned(agent) => {
                let a = &mut self.s.agents[agent as usize];
                a.inbox.remove(&(conv.inbox_key(), id));
                a.load -= held;
                Some(agent)
            }
            St::Parked(Some(agent)) => {
                let a = &mut self.s.agents[agent as usize];
                a.parked.remove(&id);
                a.load -= held;
                Some(agent)
            }
            St::Parked(None) | St::Resolved => None,
        }
    }
}
