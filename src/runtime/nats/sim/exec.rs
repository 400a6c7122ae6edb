//! A deterministic executor on simulated time: tasks are polled one at a
//! time in the order they were woken, and time jumps from one scheduled
//! event to the next (ties broken by scheduling order). Nothing here reads
//! a real clock or a thread-local random source, so a seed replays exactly.

use std::cell::RefCell;
use std::collections::{BinaryHeap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

/// Simulated milliseconds.
pub(super) type Millis = u64;

/// What a [`Reply`] waits for: filled once, by the first of its reply or
/// its timeout.
struct Slot<T> {
    value: Option<T>,
    done: bool,
    waker: Option<Waker>,
}

/// The answer a task waits for; see [`reply`].
pub(super) struct Reply<T>(Rc<RefCell<Slot<T>>>);

/// The other end of a [`Reply`]: the first [`complete`](Self::complete)
/// wins, later ones are ignored (a reply after its timeout).
pub(super) struct Completer<T>(Rc<RefCell<Slot<T>>>);

impl<T> Clone for Completer<T> {
    fn clone(&self) -> Self {
        Self(Rc::clone(&self.0))
    }
}

/// A reply and its completer.
pub(super) fn reply<T>() -> (Reply<T>, Completer<T>) {
    let slot = Rc::new(RefCell::new(Slot {
        value: None,
        done: false,
        waker: None,
    }));
    (Reply(Rc::clone(&slot)), Completer(slot))
}

impl<T> Completer<T> {
    /// Fills the reply and wakes its task, unless it was filled already.
    pub(super) fn complete(&self, value: T) {
        let waker = {
            let mut slot = self.0.borrow_mut();
            if slot.done {
                return;
            }
            slot.done = true;
            slot.value = Some(value);
            slot.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Future for Reply<T> {
    type Output = T;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut slot = self.0.borrow_mut();
        match slot.value.take() {
            Some(value) => Poll::Ready(value),
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Wakes task `id` by queueing it.
struct TaskWaker {
    id: usize,
    ready: Arc<Mutex<VecDeque<usize>>>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.ready
            .lock()
            .expect("single-threaded: never poisoned")
            .push_back(self.id);
    }
}

type Task = Pin<Box<dyn Future<Output = ()>>>;
type Event<W> = Box<dyn FnOnce(&mut W)>;

/// Events in time order (ties: scheduling order).
pub(super) struct Timeline<W> {
    now: Millis,
    next: u64,
    heap: BinaryHeap<std::cmp::Reverse<(Millis, u64)>>,
    events: std::collections::HashMap<u64, Event<W>>,
}

impl<W> Default for Timeline<W> {
    fn default() -> Self {
        Self {
            now: 0,
            next: 0,
            heap: BinaryHeap::new(),
            events: std::collections::HashMap::new(),
        }
    }
}

impl<W> Timeline<W> {
    /// The simulated time now.
    pub(super) fn now(&self) -> Millis {
        self.now
    }

    /// Runs `event` at `at` (now, if `at` is past).
    pub(super) fn at(&mut self, at: Millis, event: impl FnOnce(&mut W) + 'static) {
        let id = self.next;
        self.next += 1;
        self.heap.push(std::cmp::Reverse((at.max(self.now), id)));
        self.events.insert(id, Box::new(event));
    }

    /// The next event due no later than `until`, with time moved to it.
    fn pop(&mut self, until: Millis) -> Option<Event<W>> {
        let std::cmp::Reverse((at, id)) = *self.heap.peek()?;
        if at > until {
            return None;
        }
        self.heap.pop();
        self.now = at;
        self.events.remove(&id)
    }
}

/// Anything holding a [`Timeline`] of events over itself.
pub(super) trait HasTimeline: Sized {
    /// The timeline.
    fn timeline(&mut self) -> &mut Timeline<Self>;
}

/// Tasks over a world `W` shared with them.
pub(super) struct Executor<W> {
    world: Rc<RefCell<W>>,
    tasks: Vec<Option<Task>>,
    ready: Arc<Mutex<VecDeque<usize>>>,
}

impl<W: HasTimeline> Executor<W> {
    /// An executor over `world`.
    pub(super) fn new(world: Rc<RefCell<W>>) -> Self {
        Self {
            world,
            tasks: Vec::new(),
            ready: Arc::new(Mutex::new(VecDeque::new())),
        }
    }

    /// Starts `task`; it is first polled by the next [`run`](Self::run).
    pub(super) fn spawn(&mut self, task: impl Future<Output = ()> + 'static) {
        self.tasks.push(Some(Box::pin(task)));
        let id = self.tasks.len() - 1;
        self.ready
            .lock()
            .expect("single-threaded: never poisoned")
            .push_back(id);
    }

    /// Polls woken tasks and runs events until simulated time `until`, or
    /// until `most` events ran (a bound against a livelock).
    pub(super) fn run(&mut self, until: Millis, most: u64) -> Result<(), String> {
        for _ in 0..most {
            self.poll_ready()?;
            let event = self.world.borrow_mut().timeline().pop(until);
            let Some(event) = event else {
                return Ok(());
            };
            event(&mut self.world.borrow_mut());
        }
        Err(format!("more than {most} events before t={until}ms"))
    }

    fn poll_ready(&mut self) -> Result<(), String> {
        // Bounded: a task woken while polled is queued once per wake, and
        // a simulated request always waits for an event.
        for _ in 0..1_000_000 {
            let next = self
                .ready
                .lock()
                .expect("single-threaded: never poisoned")
                .pop_front();
            let Some(id) = next else { return Ok(()) };
            let Some(task) = self.tasks[id].as_mut() else {
                continue;
            };
            let waker = Waker::from(Arc::new(TaskWaker {
                id,
                ready: Arc::clone(&self.ready),
            }));
            if task
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_ready()
            {
                self.tasks[id] = None;
            }
        }
        Err("a task kept waking itself".into())
    }
}
