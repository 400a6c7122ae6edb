//! [`Pending`]: the answer to a request a shard will complete, to `.await`
//! from async code or [`wait`](Pending::wait) for from a thread.

use super::completion::Receiver;
use super::error::RuntimeError;
use super::message::{Accepted, Answer};
use super::tenant::TenantId;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

/// An answer on its way from a shard: a future, or [`wait`](Self::wait) for
/// it on a thread. The shard always answers or drops the request (it drops
/// it only when it stops, which resolves this to
/// [`RuntimeError::ShuttingDown`]), so waiting never hangs on a live shard.
#[derive(Debug)]
#[must_use = "the answer says whether the command was applied"]
pub struct Pending<T> {
    state: State<T>,
    /// The tenant a command was sent to, kept for the answer to a stale
    /// tenant key (`directory.rs`); `None` for other requests.
    tenant: Option<TenantId>,
}

#[derive(Debug)]
enum State<T> {
    Waiting(Receiver<Answer<T>>),
    Ready(Option<Result<T, RuntimeError>>),
}

impl<T> Pending<T> {
    pub(crate) fn waiting(rx: Receiver<Answer<T>>) -> Self {
        Self {
            state: State::Waiting(rx),
            tenant: None,
        }
    }

    /// Waiting for the answer to a command sent to `tenant`.
    pub(crate) fn waiting_for(rx: Receiver<Answer<T>>, tenant: &TenantId) -> Self {
        Self {
            state: State::Waiting(rx),
            tenant: Some(tenant.clone()),
        }
    }

    pub(crate) fn ready(result: Result<T, RuntimeError>) -> Self {
        Self {
            state: State::Ready(Some(result)),
            tenant: None,
        }
    }

    /// Blocks this thread until the answer arrives. Works inside or outside
    /// an async runtime (it parks the thread rather than entering tokio),
    /// but in async code prefer `.await`, which does not block a worker.
    pub fn wait(self) -> Result<T, RuntimeError> {
        block_on(self)
    }
}

impl<T> Future for Pending<T> {
    type Output = Result<T, RuntimeError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // `Pending` holds no self-references; every field is Unpin.
        let this = self.get_mut();
        let tenant = this.tenant.as_ref();
        match &mut this.state {
            State::Waiting(rx) => rx.poll_answer(cx).map(|answer| match answer {
                Some(answer) => answer.map_err(|refusal| refusal.into_error(tenant)),
                None => Err(RuntimeError::ShuttingDown),
            }),
            State::Ready(result) => {
                Poll::Ready(result.take().unwrap_or(Err(RuntimeError::ShuttingDown)))
            }
        }
    }
}

impl<T> Unpin for Pending<T> {}

/// Unparks the waiting thread.
struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `future` on this thread, parking between wake-ups. Each loop turn
/// follows a wake-up (or a spurious unpark); the futures used here complete
/// when their shard answers or stops, so the loop ends.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    // One waker per thread, made on its first wait: no allocation per
    // wait, and the answers of one batch to this thread wake it once.
    thread_local! {
        static WAKER: Waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    }
    let waker = WAKER.with(Waker::clone);
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
        thread::park();
    }
}

/// The answers to a batch sent with
/// [`RuntimeHandle::send_batch`](super::RuntimeHandle::send_batch), on
/// their way from the shard: a future, or [`wait`](Self::wait) for them on
/// a thread. Resolves to one answer per command, in the order sent, or to
/// one error for the whole batch (the tenant is unknown or still opening,
/// the runtime is shutting down). Like [`Pending`], it never hangs on a
/// live shard.
#[derive(Debug)]
#[must_use = "the answers say which commands were applied"]
pub struct PendingBatch {
    inner: Pending<Vec<Answer<Accepted>>>,
}

impl PendingBatch {
    pub(crate) fn waiting(inner: Pending<Vec<Answer<Accepted>>>) -> Self {
        Self { inner }
    }

    pub(crate) fn ready(result: Result<Vec<Answer<Accepted>>, RuntimeError>) -> Self {
        Self {
            inner: Pending::ready(result),
        }
    }

    /// Blocks this thread until the answers arrive (see [`Pending::wait`]).
    pub fn wait(self) -> Result<Vec<Result<Accepted, RuntimeError>>, RuntimeError> {
        block_on(self)
    }
}

impl Future for PendingBatch {
    type Output = Result<Vec<Result<Accepted, RuntimeError>>, RuntimeError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Poll::Ready(answers) = Pin::new(&mut this.inner).poll(cx) else {
            return Poll::Pending;
        };
        let tenant = this.inner.tenant.as_ref();
        // A refusal becomes the caller's error here, on the caller's
        // thread (the boxing of `Rejected` too: see `Refusal`).
        Poll::Ready(answers.map(|answers| {
            answers
                .into_iter()
                .map(|answer| answer.map_err(|refusal| refusal.into_error(tenant)))
                .collect()
        }))
    }
}

impl Unpin for PendingBatch {}
