//! Reading pieces of work (whole inputs, or the chunks of a large plain file) on several
//! threads, one piece per worker at a time, with the results handed back in the pieces'
//! order, so that merging them gives what reading them one after another gives. A worker
//! that finds no piece left leaves its core spare, for a piece still being read to inflate
//! its gzip on.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Condvar, Mutex};

use super::inflate::SpareCores;
use super::input::Progress;

/// How many pieces per thread may be read ahead of the one merged next: enough that a slow
/// piece does not hold the other workers up, few enough that the results waiting for it
/// stay small.
const AHEAD_PER_THREAD: usize = 4;

/// Reads pieces `0..count` on `threads` workers, each with a `worker` state of its own
/// (made by `worker`, reused across its pieces), and hands each piece's result to `merge`
/// in order, on the calling thread. `read` is given the cores that workers done with their
/// pieces leave spare. Once `progress` is cancelled, the pieces not started yet are not
/// read: `merge` gets `None` for them.
pub(crate) fn read_in_order<W, T: Send>(
    count: usize,
    threads: usize,
    progress: &Progress,
    worker: impl Fn() -> W + Sync,
    read: impl Fn(&mut W, usize, &SpareCores) -> T + Sync,
    mut merge: impl FnMut(usize, Option<T>),
) {
    let next = AtomicUsize::new(0);
    let spare = SpareCores::default();
    // the first piece not merged yet, which the workers may run ahead of by `ahead`
    let merged = Mutex::new(0usize);
    let advanced = Condvar::new();
    let ahead = AHEAD_PER_THREAD * threads.max(1);
    std::thread::scope(|scope| {
        let (done, results) = mpsc::channel::<(usize, Option<T>)>();
        for _ in 0..threads.clamp(1, count.max(1)) {
            let done = done.clone();
            let (next, merged, advanced) = (&next, &merged, &advanced);
            let (worker, read, spare) = (&worker, &read, &spare);
            scope.spawn(move || {
                let mut state = worker();
                loop {
                    let piece = next.fetch_add(1, Ordering::Relaxed);
                    if piece >= count {
                        break;
                    }
                    let mut first = merged.lock().expect("a reading thread panicked");
                    while piece >= *first + ahead {
                        first = advanced.wait(first).expect("a reading thread panicked");
                    }
                    drop(first);
                    let result = (!progress.is_cancelled()).then(|| read(&mut state, piece, spare));
                    if done.send((piece, result)).is_err() {
                        break;
                    }
                }
                spare.give_back();
            });
        }
        drop(done);
        let mut waiting = BTreeMap::new();
        let mut first = 0;
        for (piece, result) in results {
            waiting.insert(piece, result);
            while let Some(result) = waiting.remove(&first) {
                merge(first, result);
                first += 1;
            }
            *merged.lock().expect("a reading thread panicked") = first;
            advanced.notify_all();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order_whatever_finishes_first() {
        for threads in [1, 2, 3, 8] {
            let mut order = Vec::new();
            read_in_order(
                50,
                threads,
                &Progress::default(),
                || 0u32,
                |reads, piece, _| {
                    *reads += 1;
                    // the early pieces are the slow ones
                    std::thread::sleep(std::time::Duration::from_micros((50 - piece as u64) * 20));
                    piece * 10
                },
                |piece, result| order.push((piece, result)),
            );
            let expected: Vec<_> = (0..50).map(|p| (p, Some(p * 10))).collect();
            assert_eq!(order, expected, "{threads} threads");
        }
    }

    #[test]
    fn a_worker_left_without_pieces_leaves_its_core_spare() {
        let claimed = AtomicUsize::new(0);
        read_in_order(
            2,
            2,
            &Progress::default(),
            || (),
            |(), piece, spare| {
                // the second piece waits for the first worker to be done
                let start = std::time::Instant::now();
                while piece == 1 && start.elapsed().as_secs() < 10 {
                    if spare.claim() {
                        claimed.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                    std::thread::yield_now();
                }
            },
            |_, _| {},
        );
        assert_eq!(claimed.into_inner(), 1);
    }

    #[test]
    fn pieces_not_started_when_cancelled_are_skipped() {
        let progress = Progress::default();
        let mut merged = Vec::new();
        read_in_order(
            20,
            2,
            &progress,
            || (),
            |(), piece, _| {
                if piece == 3 {
                    progress.cancel();
                }
                piece
            },
            |_, result| merged.push(result),
        );
        assert_eq!(merged.len(), 20);
        assert_eq!(merged[..4], [Some(0), Some(1), Some(2), Some(3)]);
        assert!(merged[12..].iter().all(Option::is_none), "{merged:?}");
    }
}
