//! The baseline's conversation commands after the open: resolve, the
//! customer's and the agent's messages, parking, and the timers a tick
//! fires (response targets and auto-park).

use super::*;

impl Run<'_> {
    pub(super) fn resolve(&mut self, id: ConversationId) -> Result<(), EngineError> {
        let conv = self.conv(id)?;
        if conv.state == St::Resolved {
            return Err(invalid(id, conv, CommandKind::Resolve));
        }
        let agent = self.detach(id);
        let conv = self.s.convs.get_mut(&id).expect("resolved conversation");
        conv.state = St::Resolved;
        conv.sla_gen += 1;
        conv.park_gen += 1;
        let (load, cap) = agent
            .map(|a| {
                let a = &self.s.agents[a as usize];
                (Capacity(a.load), Capacity(a.cap))
            })
            .unzip();
        self.out.push(Decision::Resolved {
            conversation: id,
            agent: agent.map(|a| self.s.agents[a as usize].id),
            reason: switchboard::ResolveReason::Solved,
            load,
            cap,
        });
        if let Some(agent) = agent {
            self.pull(agent);
        }
        Ok(())
    }

    pub(super) fn customer_message(&mut self, id: ConversationId) -> Result<(), EngineError> {
        let conv = self
            .s
            .convs
            .get_mut(&id)
            .ok_or(EngineError::UnknownConversation(id))?;
        if conv.state == St::Resolved {
            let conv = &*conv;
            return Err(invalid(id, conv, CommandKind::CustomerMessage));
        }
        conv.park_gen += 1;
        let old = conv.inbox_key();
        conv.last_customer_message = self.at;
        conv.awaiting_reply = true;
        conv.seen = false;
        match conv.state {
            St::Assigned(agent) => {
                let new = conv.inbox_key();
                let a = &mut self.s.agents[agent as usize];
                a.inbox.remove(&(old, id));
                a.inbox.insert((new, id));
                self.out.push(Decision::Reprioritised {
                    conversation: id,
                    agent: a.id,
                });
            }
            St::Parked(Some(agent)) => {
                let weight = self.s.queues[conv.queue].weight;
                let extra = weight - conv.held;
                let a = &mut self.s.agents[agent as usize];
                if a.cap - a.load >= extra {
                    a.parked.remove(&id);
                    a.load += extra;
                    conv.held = weight;
                    conv.state = St::Assigned(agent);
                    a.inbox.insert((conv.inbox_key(), id));
                    self.out.push(Decision::Assigned {
                        conversation: id,
                        agent: a.id,
                        via: AssignVia::Resumed,
                        load: Capacity(a.load),
                        cap: Capacity(a.cap),
                    });
                } else {
                    self.detach(id);
                    self.route(id);
                }
            }
            St::Parked(None) => self.route(id),
            St::Queued | St::Resolved => {}
        }
        Ok(())
    }

    pub(super) fn agent_message(
        &mut self,
        id: ConversationId,
        agent: AgentId,
        seen_only: bool,
    ) -> Result<(), EngineError> {
        let idx = self.agent_idx(agent)?;
        let conv = self
            .s
            .convs
            .get_mut(&id)
            .ok_or(EngineError::UnknownConversation(id))?;
        match conv.state {
            St::Assigned(owner) if owner == idx => {}
            St::Assigned(_) => {
                return Err(EngineError::NotOwner {
                    conversation: id,
                    agent,
                })
            }
            _ => {
                let conv = &*conv;
                return Err(invalid(id, conv, CommandKind::AgentMessage));
            }
        }
        conv.seen = true;
        if seen_only {
            return Ok(());
        }
        if !conv.first_response {
            conv.first_response = true;
            self.out.push(Decision::FirstResponse {
                conversation: id,
                agent,
                waited: switchboard::TimeSpan(self.at - conv.waiting_since),
            });
        }
        let old = conv.inbox_key();
        conv.awaiting_reply = false;
        let new = conv.inbox_key();
        conv.park_gen += 1;
        let park_gen = conv.park_gen;
        let customer = conv.customer;
        let a = &mut self.s.agents[idx as usize];
        a.inbox.remove(&(old, id));
        a.inbox.insert((new, id));
        a.last_activity = a.last_activity.max(self.at);
        if let Some(c) = self.s.customers.get_mut(&customer) {
            c.1 = Some((idx, self.at));
        }
        if let Some(after) = self.c.auto_park_after {
            self.s
                .timers
                .push(Reverse((self.at + after.0, AUTO_PARK, id, park_gen)));
        }
        Ok(())
    }

    pub(super) fn park(&mut self, id: ConversationId, agent: u32, auto: bool) {
        let conv = self.s.convs.get_mut(&id).expect("parked conversation");
        let parked = self.c.parked_weight(conv.channel).0;
        let a = &mut self.s.agents[agent as usize];
        a.load -= conv.held - parked;
        conv.held = parked;
        a.inbox.remove(&(conv.inbox_key(), id));
        a.parked.insert(id);
        conv.state = St::Parked(Some(agent));
        self.out.push(Decision::Parked {
            conversation: id,
            agent: a.id,
            auto,
            load: Capacity(a.load),
            cap: Capacity(a.cap),
        });
        self.pull(agent);
    }

    pub(super) fn tick(&mut self) {
        while let Some(&Reverse((at, kind, id, generation))) = self.s.timers.peek() {
            if at > self.at {
                return;
            }
            self.s.timers.pop();
            let Some(conv) = self.s.convs.get(&id) else {
                continue;
            };
            match kind {
                SLA_WARN | SLA_BREACH => {
                    let live = matches!(conv.state, St::Queued | St::Assigned(_));
                    if conv.first_response || !live || generation != conv.sla_gen {
                        continue;
                    }
                    let agent = match conv.state {
                        St::Assigned(a) => Some(self.s.agents[a as usize].id),
                        _ => None,
                    };
                    let deadline = Timestamp(conv.waiting_since + self.c.response_target.0);
                    self.out.push(if kind == SLA_WARN {
                        Decision::SlaWarning {
                            conversation: id,
                            agent,
                            deadline,
                        }
                    } else {
                        Decision::SlaBreach {
                            conversation: id,
                            agent,
                            deadline,
                        }
                    });
                }
                _ => {
                    let St::Assigned(agent) = conv.state else {
                        continue;
                    };
                    if generation != conv.park_gen || conv.awaiting_reply {
                        continue;
                    }
                    self.park(id, agent, true);
                }
            }
        }
    }
}
