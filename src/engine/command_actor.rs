//! `Command::actor_mut`: the agent a command acts as and the conversation it
//! acts on, in one place for every host that needs them (the simulator's
//! trace names them; the service's replay re-addresses a reply to whoever
//! holds the thread now).

use super::command::Command;
use crate::model::{AgentId, ConversationId};

impl Command {
    /// For the commands an agent sends about one of their threads (a reply,
    /// a seen mark, an offer's answer, the end of a wrap-up): the
    /// conversation, and the agent as a mutable place, so a host can send
    /// the command as another agent. `None` for every other command.
    pub fn actor_mut(&mut self) -> Option<(ConversationId, &mut AgentId)> {
        match self {
            Command::AgentMessage {
                conversation,
                agent,
            }
            | Command::MarkSeen {
                conversation,
                agent,
            }
            | Command::AcceptOffer {
                conversation,
                agent,
            }
            | Command::DeclineOffer {
                conversation,
                agent,
            }
            | Command::EndWrapUp {
                conversation,
                agent,
            } => Some((*conversation, agent)),
            _ => None,
        }
    }
}
