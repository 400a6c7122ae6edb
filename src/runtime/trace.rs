//! Tracing behind the cargo feature `tracing` (which implies `runtime`): a
//! `tracing` span per batch (shard, commands) and a trace event per
//! decision (tenant, record, index, kind); warnings for failed snapshots and
//! errors for journal failures. Without the feature these macros expand to
//! nothing, so the shard's loop carries no tracing code at all.

/// An event at `$level` (`trace`, `debug`, `warn`, `error`), compiled only
/// with the `tracing` feature.
macro_rules! rt_event {
    ($level:ident, $($arg:tt)*) => {
        #[cfg(feature = "tracing")]
        {
            ::tracing::$level!($($arg)*);
        }
    };
}

/// Enters a debug span until the end of the enclosing block, with the
/// `tracing` feature; nothing without it. Use as a statement.
macro_rules! rt_span {
    ($($arg:tt)*) => {
        #[cfg(feature = "tracing")]
        let _entered = ::tracing::debug_span!($($arg)*).entered();
    };
}
