//! Inflating a gzip input on a thread of its own, so that one `.gz` is read on two cores:
//! the thread fills blocks from a small pool with inflated bytes and passes them over a
//! bounded channel; the reading side parses one block while the next is inflated, and
//! hands each block back once it is through it. A line cut at a block's end is carried
//! over by the line reader, as at the end of any buffer. An input read while every core
//! is busy is inflated on the reading thread, block by block, until a core is spare (a
//! worker found no input left to read): the rest of it is then inflated on that core.

use std::io::{self, BufRead, BufReader, Read};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

use flate2::bufread::MultiGzDecoder;

/// Blocks in the pool: one being parsed, one being inflated, and six to spare, 8 MB in all,
/// about 13 ms of inflating: enough that the inflating thread does not stop when the
/// reading side is held up for a time slice (a busy machine), and few hand-offs, each
/// a wake-up of the other thread. Measured on the 613 MB JSON log on two cores (busy,
/// CPU seconds per thread, medians of three): 4 blocks of 256 KB took 0.97 s to inflate
/// and 0.99 s to read, with about 800 waits on each side; 8 of 1 MB 0.92 s and 0.88 s,
/// with under 200 (inflating alone: 0.85 s).
const BLOCKS: usize = 8;
const BLOCK_BYTES: usize = 1024 * 1024;

/// Where a gzip input is inflated.
#[derive(Debug, Clone)]
pub(crate) enum Inflate {
    /// On the thread that reads its lines.
    Here,
    /// On a thread of its own, from the start.
    Apart,
    /// On the reading thread until one of these cores is spare, then on a thread of its own.
    WhenSpare(SpareCores),
}

/// The cores left by workers that found no piece to read: a piece still being read claims
/// one to inflate the rest of its gzip on, and gives it back when that is done. Without it,
/// the last pieces of a folder of gzip objects are read one core each while the others idle.
#[derive(Debug, Clone, Default)]
pub(crate) struct SpareCores(Arc<AtomicUsize>);

impl SpareCores {
    /// Takes a spare core, if there is one.
    pub(crate) fn claim(&self) -> bool {
        self.0.load(Ordering::Relaxed) > 0
            && self
                .0
                .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok()
    }

    /// Leaves a core spare (a worker done, or a claimed core no longer needed).
    pub(crate) fn give_back(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }
}

/// A filled block and how many of its bytes hold data, or the error that ended inflating.
type Filled = io::Result<(Vec<u8>, usize)>;

/// The decompressing reader, as it moves to a thread of its own.
type Decoder = MultiGzDecoder<Box<dyn BufRead + Send>>;

/// The inflated bytes of a gzip stream, inflated on a thread of its own or, until a core
/// is spare, on the reading thread.
pub(crate) struct Inflated {
    block: Vec<u8>,
    start: usize,
    end: usize,
    inflating: Inflating,
}

enum Inflating {
    /// On the reading thread, until `spare` has a core.
    Here {
        decoder: Box<Decoder>,
        spare: SpareCores,
        /// The error met after the bytes of the last block, given once they are read.
        failed: Option<io::Error>,
        ended: bool,
    },
    Apart(Apart),
}

/// The ends of the channels to an inflating thread.
struct Apart {
    /// `None` once dropped, so that the thread sees the end before it is joined.
    filled: Option<Receiver<Filled>>,
    emptied: Option<SyncSender<Vec<u8>>>,
    thread: Option<JoinHandle<()>>,
}

impl Inflated {
    /// Starts inflating `compressed` (a gzip stream, members one after another) on a thread
    /// of its own, or, with `when_spare`, on the reading thread until it has a core.
    pub(crate) fn start(
        compressed: impl BufRead + Send + 'static,
        when_spare: Option<SpareCores>,
    ) -> Inflated {
        let decoder = Box::new(MultiGzDecoder::new(
            Box::new(compressed) as Box<dyn BufRead + Send>
        ));
        let inflating = match when_spare {
            Some(spare) => Inflating::Here {
                decoder,
                spare,
                failed: None,
                ended: false,
            },
            None => Inflating::Apart(Apart::start(decoder, None)),
        };
        Inflated {
            block: Vec::new(),
            start: 0,
            end: 0,
            inflating,
        }
    }

    /// Refills the block read through, on this thread or from the inflating one, having
    /// first moved the inflating to a spare core if one has come free.
    fn refill(&mut self) -> io::Result<()> {
        (self.start, self.end) = (0, 0);
        if let Inflating::Here {
            spare,
            failed: None,
            ended: false,
            ..
        } = &self.inflating
        {
            if spare.claim() {
                self.move_apart();
            }
        }
        match &mut self.inflating {
            Inflating::Here {
                decoder,
                failed,
                ended,
                ..
            } => {
                if let Some(error) = failed.take() {
                    return Err(error);
                }
                if *ended {
                    return Ok(());
                }
                if self.block.is_empty() {
                    self.block = vec![0; BLOCK_BYTES];
                }
                let (len, error) = fill(decoder, &mut self.block);
                *ended = len < self.block.len();
                self.end = len;
                match error {
                    Some(error) if len == 0 => Err(error),
                    error => {
                        *failed = error;
                        Ok(())
                    }
                }
            }
            Inflating::Apart(apart) => {
                let Some(filled) = &apart.filled else {
                    return Ok(());
                };
                // the block read through goes back to be refilled before this side waits
                // for the next (before the first, there is none)
                if let Some(emptied) = &apart.emptied {
                    let done = std::mem::take(&mut self.block);
                    if !done.is_empty() {
                        let _ = emptied.try_send(done);
                    }
                }
                match filled.recv() {
                    Ok(Ok((block, len))) => {
                        self.block = block;
                        self.end = len;
                        Ok(())
                    }
                    Ok(Err(error)) => {
                        apart.filled = None;
                        Err(error)
                    }
                    Err(_) => {
                        apart.filled = None;
                        Ok(())
                    }
                }
            }
        }
    }

    /// Hands the decoder to a thread of its own, on the spare core just claimed.
    fn move_apart(&mut self) {
        let here = std::mem::replace(&mut self.inflating, Inflating::Apart(Apart::ended()));
        if let Inflating::Here { decoder, spare, .. } = here {
            self.inflating = Inflating::Apart(Apart::start(decoder, Some(spare)));
        }
    }
}

impl Apart {
    /// Starts a thread inflating `decoder`; it gives `spare` its core back when it ends.
    fn start(decoder: Box<Decoder>, spare: Option<SpareCores>) -> Apart {
        let (fill, filled) = sync_channel(BLOCKS);
        let (emptied, empty) = sync_channel(BLOCKS);
        let thread = std::thread::Builder::new()
            .name("ceiling-inflate".to_owned())
            .spawn(move || {
                inflate(decoder, &fill, &empty);
                if let Some(spare) = spare {
                    spare.give_back();
                }
            })
            .expect("a thread can be started");
        Apart {
            filled: Some(filled),
            emptied: Some(emptied),
            thread: Some(thread),
        }
    }

    /// The ends of a thread that has finished.
    fn ended() -> Apart {
        Apart {
            filled: None,
            emptied: None,
            thread: None,
        }
    }
}

/// Fills `block` from `decoder` as far as it goes: the bytes filled, and the error that
/// stopped it short, if one did.
fn fill(decoder: &mut impl Read, block: &mut [u8]) -> (usize, Option<io::Error>) {
    let mut len = 0;
    while len < block.len() {
        match decoder.read(&mut block[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return (len, Some(error)),
        }
    }
    (len, None)
}

/// Fills blocks from `decoder` until it ends, fails, or the reading side goes away.
fn inflate(mut decoder: impl Read, fill_next: &SyncSender<Filled>, empty: &Receiver<Vec<u8>>) {
    let mut made = 0;
    loop {
        let mut block = if made < BLOCKS {
            made += 1;
            vec![0; BLOCK_BYTES]
        } else {
            match empty.recv() {
                Ok(block) => block,
                Err(_) => return,
            }
        };
        let (len, failed) = fill(&mut decoder, &mut block);
        let ended = len < block.len();
        if len > 0 && fill_next.send(Ok((block, len))).is_err() {
            return;
        }
        if let Some(error) = failed {
            let _ = fill_next.send(Err(error));
            return;
        }
        if ended {
            return;
        }
    }
}

impl Read for Inflated {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Inflated {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.start == self.end {
            self.refill()?;
        }
        Ok(&self.block[self.start..self.end])
    }

    fn consume(&mut self, amount: usize) {
        self.start = (self.start + amount).min(self.end);
    }
}

impl Drop for Apart {
    fn drop(&mut self) {
        // the thread stops at its next send or wait once both ends are gone
        self.filled = None;
        self.emptied = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Opens `reader`'s bytes inflated on a thread (with `when_spare`, once a core is spare)
/// when they are gzip: `Ok(Err(buffered))` gives the reader back, buffered, when they are
/// not.
pub(crate) fn inflated_if_gzip<R: Read + Send + 'static>(
    mut buffered: BufReader<R>,
    when_spare: Option<SpareCores>,
) -> io::Result<Result<Inflated, BufReader<R>>> {
    Ok(if buffered.fill_buf()?.starts_with(&[0x1f, 0x8b]) {
        Ok(Inflated::start(buffered, when_spare))
    } else {
        Err(buffered)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    fn numbered_lines(count: u32) -> Vec<u8> {
        (0..count)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect()
    }

    #[test]
    fn inflates_what_was_compressed_across_many_blocks() {
        let text = numbered_lines(400_000);
        let mut twice = gzip(&text);
        twice.extend(gzip(b"second member\n"));
        let mut inflated = Inflated::start(std::io::Cursor::new(twice), None);
        let mut out = Vec::new();
        inflated.read_to_end(&mut out).unwrap();
        assert_eq!(out.len(), text.len() + 14);
        assert!(out.starts_with(&text) && out.ends_with(b"second member\n"));
    }

    #[test]
    fn a_truncated_stream_gives_its_bytes_then_the_error() {
        let text = numbered_lines(100_000);
        let compressed = gzip(&text);
        let cut = compressed[..compressed.len() / 2].to_vec();
        for when_spare in [None, Some(SpareCores::default())] {
            let mut inflated = Inflated::start(std::io::Cursor::new(cut.clone()), when_spare);
            let mut out = Vec::new();
            let error = inflated.read_to_end(&mut out).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
            assert!(!out.is_empty() && text.starts_with(&out));
        }
    }

    #[test]
    fn inflating_moves_to_a_spare_core_midway_and_gives_it_back() {
        let text = numbered_lines(1_000_000);
        let spare = SpareCores::default();
        let mut inflated = Inflated::start(std::io::Cursor::new(gzip(&text)), Some(spare.clone()));
        let mut out = vec![0; BLOCK_BYTES + 10];
        inflated.read_exact(&mut out).unwrap();
        assert!(matches!(inflated.inflating, Inflating::Here { .. }));
        spare.give_back();
        inflated.read_to_end(&mut out).unwrap();
        assert!(matches!(inflated.inflating, Inflating::Apart(_)));
        assert_eq!(out, text);
        drop(inflated);
        assert!(spare.claim(), "the core is given back once inflating ends");
        assert!(!spare.claim());
    }

    #[test]
    fn dropping_the_reader_early_ends_the_thread() {
        let text = vec![b'x'; 8 * BLOCK_BYTES];
        let mut inflated = Inflated::start(std::io::Cursor::new(gzip(&text)), None);
        assert!(!inflated.fill_buf().unwrap().is_empty());
        drop(inflated);
    }
}
