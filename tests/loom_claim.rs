//! A loom model of the claim protocol in `src/engine/routing.rs`, small and
//! self-contained (the engine's own locks are parking_lot and DashMap, which
//! loom cannot see, so the protocol is restated here with loom's types):
//!
//! 1. under the queue's lock, an agent reserves capacity by CAS and takes
//!    the waiting entry with its ticket (the claim);
//! 2. with no lock held, the claim is finalised under the conversation's
//!    lock, only if the conversation is still queued with the same ticket;
//!    otherwise the claim is void and the capacity is given back;
//! 3. a concurrent resolve takes the conversation's lock, removes it from
//!    the queue (lock order: conversation, then queue), bumps the ticket,
//!    and gives back capacity if it was assigned.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test --release --test loom_claim`
//! (ci/loom.sh). Each test prints how many interleavings loom explored.
#![cfg(loom)]

use loom::sync::atomic::{AtomicU32, Ordering};
use loom::sync::{Arc, Mutex};
use loom::thread;
use std::sync::atomic::AtomicUsize;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Queued,
    Assigned(usize),
    Resolved,
}

struct Conversation {
    state: State,
    ticket: u32,
}

struct World {
    /// The waiting entry of the group queue: the ticket of the stay.
    queue: Mutex<Option<u32>>,
    conversation: Mutex<Conversation>,
    /// Each agent's load, reserved by CAS against a cap of 1.
    load: [AtomicU32; 2],
}

const CAP: u32 = 1;

impl World {
    fn new() -> Arc<World> {
        Arc::new(World {
            queue: Mutex::new(Some(1)),
            conversation: Mutex::new(Conversation {
                state: State::Queued,
                ticket: 1,
            }),
            load: [AtomicU32::new(0), AtomicU32::new(0)],
        })
    }

    fn try_reserve(&self, agent: usize) -> bool {
        let mut current = self.load[agent].load(Ordering::Acquire);
        loop {
            if current + 1 > CAP {
                return false;
            }
            match self.load[agent].compare_exchange(
                current,
                current + 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return true,
                Err(now) => current = now,
            }
        }
    }

    fn release(&self, agent: usize) {
        let before = self.load[agent].fetch_sub(1, Ordering::AcqRel);
        assert!(before >= 1, "released capacity that was not reserved");
    }

    /// Dispatch/settle then finalize, as one agent's command does.
    fn claim_and_finalize(&self, agent: usize) {
        let claim = {
            let mut queue = self.queue.lock().unwrap();
            match *queue {
                Some(ticket) if self.try_reserve(agent) => {
                    *queue = None;
                    Some(ticket)
                }
                _ => None,
            }
        };
        let Some(ticket) = claim else { return };
        let mut c = self.conversation.lock().unwrap();
        if c.state == State::Queued && c.ticket == ticket {
            c.state = State::Assigned(agent);
        } else {
            drop(c);
            self.release(agent); // void claim
        }
    }

    /// Resolve from any live state.
    fn resolve(&self) {
        let mut c = self.conversation.lock().unwrap();
        c.ticket += 1;
        match c.state {
            State::Queued => {
                // Lock order: conversation, then queue.
                let mut queue = self.queue.lock().unwrap();
                *queue = None;
            }
            State::Assigned(agent) => self.release(agent),
            State::Resolved => {}
        }
        c.state = State::Resolved;
    }

    /// Every invariant of the protocol, on a quiescent world.
    fn check(&self) {
        let c = self.conversation.lock().unwrap();
        let queued = self.queue.lock().unwrap().is_some();
        let loads = [
            self.load[0].load(Ordering::Acquire),
            self.load[1].load(Ordering::Acquire),
        ];
        assert!(loads.iter().all(|l| *l <= CAP), "cap broken: {loads:?}");
        match c.state {
            State::Queued => {
                assert!(queued, "queued conversation lost from its queue");
                assert_eq!(loads, [0, 0], "capacity leaked");
            }
            State::Assigned(agent) => {
                assert!(!queued, "assigned and still queued");
                assert_eq!(loads[agent], 1);
                assert_eq!(loads[1 - agent], 0, "double assignment / leaked capacity");
            }
            State::Resolved => {
                assert!(!queued, "resolved and still queued");
                assert_eq!(loads, [0, 0], "capacity leaked by a void claim");
            }
        }
    }
}

/// Two agents race to claim the same waiting conversation while it is
/// resolved: claim before, between claim and finalize (void claim), or after
/// resolve. At most one agent gets it, a void claim gives capacity back,
/// and the conversation is in exactly one place.
#[test]
fn claim_racing_resolve_and_another_agent() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    loom::model(|| {
        RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let world = World::new();
        let agents: Vec<_> = (0..2)
            .map(|agent| {
                let world = world.clone();
                thread::spawn(move || world.claim_and_finalize(agent))
            })
            .collect();
        world.resolve();
        for a in agents {
            a.join().unwrap();
        }
        world.check();
    });
    println!(
        "claim_racing_resolve_and_another_agent: {} interleavings",
        RUNS.load(std::sync::atomic::Ordering::Relaxed)
    );
}

/// Two agents race for one conversation with no resolve: exactly one gets
/// it and the other's reservation never happens or is returned.
#[test]
fn two_agents_claim_one_conversation() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    loom::model(|| {
        RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let world = World::new();
        let other = {
            let world = world.clone();
            thread::spawn(move || world.claim_and_finalize(1))
        };
        world.claim_and_finalize(0);
        other.join().unwrap();
        world.check();
        assert!(matches!(
            world.conversation.lock().unwrap().state,
            State::Assigned(_)
        ));
    });
    println!(
        "two_agents_claim_one_conversation: {} interleavings",
        RUNS.load(std::sync::atomic::Ordering::Relaxed)
    );
}
