//! An absurd length prefix is rejected without allocating it. This binary has
//! one test and a global allocator that records the largest request, so the
//! claim is checked, not assumed.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use switchboard::persist::{JournalReader, JournalWriter, TailDamage};

struct Largest;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call unchanged to the system allocator; only
// records the size requested.
unsafe impl GlobalAlloc for Largest {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // ORDERING: a statistic read after the work on the same thread.
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Largest = Largest;

#[test]
fn absurd_length_prefix_is_rejected_without_allocating_it() {
    let dir = tempfile::tempdir().unwrap();
    let writer = JournalWriter::create(dir.path(), 1).unwrap();
    let mut bytes = std::fs::read(writer.path()).unwrap();
    // Claims 4 GiB - 1 of payload, and 3 GiB: both far above the limit.
    for len in [u32::MAX, 3 << 30] {
        let mut segment = bytes.clone();
        segment.extend_from_slice(&len.to_le_bytes());
        segment.extend_from_slice(&[0x5A; 32]);
        LARGEST.store(0, Ordering::Relaxed);
        let mut reader =
            JournalReader::new(&segment[..], segment.len() as u64, Path::new("mem")).unwrap();
        assert!(reader.next_record().unwrap().is_none());
        assert_eq!(
            reader.dropped().unwrap().reason,
            TailDamage::LengthOutOfRange { len }
        );
        assert!(
            LARGEST.load(Ordering::Relaxed) < 1 << 16,
            "reader allocated {} bytes",
            LARGEST.load(Ordering::Relaxed)
        );
    }
    bytes.clear();
}
