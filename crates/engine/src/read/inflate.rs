//! Inflating a gzip input on a thread of its own, so that one `.gz` is read on two cores:
//! the thread fills blocks from a small pool with inflated bytes and passes them over a
//! bounded channel; the reading side parses one block while the next is inflated, and
//! hands each block back once it is through it. A line cut at a block's end is carried
//! over by the line reader, as at the end of any buffer.

use std::io::{self, BufRead, BufReader, Read};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
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

/// A filled block and how many of its bytes hold data, or the error that ended inflating.
type Filled = io::Result<(Vec<u8>, usize)>;

/// The inflated bytes of a gzip stream, inflated on a thread of its own.
pub(crate) struct Inflated {
    /// `None` once dropped, so that the thread sees the end before it is joined.
    filled: Option<Receiver<Filled>>,
    emptied: Option<SyncSender<Vec<u8>>>,
    block: Vec<u8>,
    start: usize,
    end: usize,
    thread: Option<JoinHandle<()>>,
}

impl Inflated {
    /// Starts inflating `compressed` (a gzip stream, members one after another).
    pub(crate) fn start(compressed: impl BufRead + Send + 'static) -> Inflated {
        let (fill, filled) = sync_channel(BLOCKS);
        let (emptied, empty) = sync_channel(BLOCKS);
        let thread = std::thread::Builder::new()
            .name("ceiling-inflate".to_owned())
            .spawn(move || inflate(MultiGzDecoder::new(compressed), &fill, &empty))
            .expect("a thread can be started");
        Inflated {
            filled: Some(filled),
            emptied: Some(emptied),
            block: Vec::new(),
            start: 0,
            end: 0,
            thread: Some(thread),
        }
    }
}

/// Fills blocks from `decoder` until it ends, fails, or the reading side goes away.
fn inflate(mut decoder: impl Read, fill: &SyncSender<Filled>, empty: &Receiver<Vec<u8>>) {
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
        let mut len = 0;
        let mut failed = None;
        while len < block.len() {
            match decoder.read(&mut block[len..]) {
                Ok(0) => break,
                Ok(n) => len += n,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => {
                    failed = Some(error);
                    break;
                }
            }
        }
        let ended = len < block.len();
        if len > 0 && fill.send(Ok((block, len))).is_err() {
            return;
        }
        if let Some(error) = failed {
            let _ = fill.send(Err(error));
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
            let Some(filled) = &self.filled else {
                return Ok(&[]);
            };
            // the block read through goes back to be refilled before this side waits for
            // the next (before the first, there is none)
            if let Some(emptied) = &self.emptied {
                let done = std::mem::take(&mut self.block);
                if !done.is_empty() {
                    let _ = emptied.try_send(done);
                }
            }
            match filled.recv() {
                Ok(Ok((block, len))) => {
                    self.block = block;
                    (self.start, self.end) = (0, len);
                }
                Ok(Err(error)) => {
                    self.filled = None;
                    return Err(error);
                }
                Err(_) => {
                    self.filled = None;
                    return Ok(&[]);
                }
            }
        }
        Ok(&self.block[self.start..self.end])
    }

    fn consume(&mut self, amount: usize) {
        self.start = (self.start + amount).min(self.end);
    }
}

impl Drop for Inflated {
    fn drop(&mut self) {
        // the thread stops at its next send or wait once both ends are gone
        self.filled = None;
        self.emptied = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Opens `reader`'s bytes inflated on a thread when they are gzip: `Ok(Err(buffered))`
/// gives the reader back, buffered, when they are not.
pub(crate) fn inflated_if_gzip<R: Read + Send + 'static>(
    mut buffered: BufReader<R>,
) -> io::Result<Result<Inflated, BufReader<R>>> {
    Ok(if buffered.fill_buf()?.starts_with(&[0x1f, 0x8b]) {
        Ok(Inflated::start(buffered))
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

    #[test]
    fn inflates_what_was_compressed_across_many_blocks() {
        let text: Vec<u8> = (0..400_000u32)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let mut twice = gzip(&text);
        twice.extend(gzip(b"second member\n"));
        let mut inflated = Inflated::start(std::io::Cursor::new(twice));
        let mut out = Vec::new();
        inflated.read_to_end(&mut out).unwrap();
        assert_eq!(out.len(), text.len() + 14);
        assert!(out.starts_with(&text) && out.ends_with(b"second member\n"));
    }

    #[test]
    fn a_truncated_stream_gives_its_bytes_then_the_error() {
        let text: Vec<u8> = (0..100_000u32)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let compressed = gzip(&text);
        let cut = compressed[..compressed.len() / 2].to_vec();
        let mut inflated = Inflated::start(std::io::Cursor::new(cut));
        let mut out = Vec::new();
        let error = inflated.read_to_end(&mut out).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
        assert!(!out.is_empty() && text.starts_with(&out));
    }

    #[test]
    fn dropping_the_reader_early_ends_the_thread() {
        let text = vec![b'x'; 8 * BLOCK_BYTES];
        let mut inflated = Inflated::start(std::io::Cursor::new(gzip(&text)));
        assert!(!inflated.fill_buf().unwrap().is_empty());
        drop(inflated);
    }
}
