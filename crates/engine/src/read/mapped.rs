//! Plain files read through a memory map, a window at a time: lines are found and copied
//! out where the file lies in the page cache, without `read` first copying every byte into a
//! buffer (on a cached 613 MB access log that copy was about half the time of reading it on
//! one thread). Each window is mapped only up to the length the file has just before, so a
//! file that shrinks while it is read ends there as `read` would see it; a window is dropped
//! once read, so the pages mapped at once (and counted in the process's memory) stay few.

use std::fs::File;
use std::io::{self, BufRead, Read};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use memmap2::{Mmap, MmapOptions};

use super::input::Progress;

/// Bytes mapped at once (a multiple of [`ALIGN`]).
const WINDOW: u64 = if cfg!(test) { 1 << 20 } else { 8 << 20 };

/// What the offset of a map is rounded down to: a multiple of the page size on every system
/// Ceiling runs on (4 KiB, 16 KiB and 64 KiB pages).
const ALIGN: u64 = 64 * 1024;

/// Bytes handed out by one `fill_buf`: a value or line that goes on past them is read in
/// pieces, as from a read buffer, so that nothing scans a whole file in one call.
const HANDED_OUT: usize = 1 << 20;

/// Files smaller than this are read with `read`: mapping them costs more than it saves.
const MIN_MAPPED: u64 = 4 << 20;

/// A file written to this recently may be being written or rotated: it is read with `read`.
const QUIET_FOR: Duration = Duration::from_secs(2);

/// The bytes `start..end` of a regular file, through windows of a memory map.
pub(crate) struct Mapped {
    file: File,
    window: Option<Mmap>,
    /// Where the window starts in the file.
    window_start: u64,
    /// Where reading is, in the window.
    at: usize,
    end: u64,
    progress: Arc<Progress>,
    /// Bytes consumed and not yet added to the progress.
    untold: usize,
}

impl Mapped {
    /// `file`'s bytes from `start` to `end` (or its end), if it is worth mapping: a regular
    /// file, large, not written to in the last seconds. Otherwise the file is handed back,
    /// to be read with `read`.
    pub(crate) fn open(
        file: File,
        start: u64,
        end: Option<u64>,
        progress: &Arc<Progress>,
    ) -> io::Result<Result<Mapped, File>> {
        let meta = file.metadata()?;
        let end = end.unwrap_or(meta.len()).min(meta.len());
        let recent = meta
            .modified()
            .ok()
            .and_then(|modified| SystemTime::now().duration_since(modified).ok())
            .is_none_or(|age| age < QUIET_FOR);
        if !meta.is_file() || end.saturating_sub(start) < MIN_MAPPED || recent {
            return Ok(Err(file));
        }
        let mut mapped = Mapped {
            file,
            window: None,
            window_start: start,
            at: 0,
            end,
            progress: Arc::clone(progress),
            untold: 0,
        };
        mapped.map_from(start)?;
        Ok(Ok(mapped))
    }

    /// Maps the window that starts at `offset` (rounded down to a page), up to the file's
    /// present length.
    fn map_from(&mut self, offset: u64) -> io::Result<()> {
        self.window = None;
        let len = self.file.metadata()?.len().min(self.end);
        let aligned = offset - offset % ALIGN;
        self.window_start = aligned;
        self.at = (offset - aligned) as usize;
        if len <= offset {
            self.end = offset;
            return Ok(());
        }
        let window_len = (len - aligned).min(WINDOW);
        // SAFETY: the map is read only. A file truncated after this point would make reads of
        // the lost pages fault (SIGBUS): the length was read just above, the window is read
        // within moments, and files written to in the last seconds are not mapped at all.
        let map = unsafe {
            MmapOptions::new()
                .offset(aligned)
                .len(window_len as usize)
                .map(&self.file)?
        };
        #[cfg(unix)]
        let _ = map.advise(memmap2::Advice::Sequential);
        self.window = Some(map);
        Ok(())
    }

    /// The file, to be read otherwise (nothing consumed yet).
    pub(crate) fn into_file(self) -> File {
        self.file
    }

    fn tell(&mut self) {
        if self.untold > 0 {
            self.progress.add_bytes(self.untold as u64);
            self.untold = 0;
        }
    }
}

impl BufRead for Mapped {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let window_len = self.window.as_ref().map_or(0, |w| w.len());
        if self.at >= window_len {
            let next = self.window_start + window_len as u64;
            if self.window.is_none() || next >= self.end {
                self.tell();
                return Ok(&[]);
            }
            self.map_from(next)?;
        }
        let Some(window) = &self.window else {
            return Ok(&[]);
        };
        let until = window.len().min(self.at + HANDED_OUT);
        Ok(&window[self.at..until])
    }

    fn consume(&mut self, amount: usize) {
        self.at += amount;
        self.untold += amount;
        if self.untold >= HANDED_OUT {
            self.tell();
        }
    }
}

impl Read for Mapped {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn windows_and_ranges_read_the_bytes_read_would() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        // lines of varied length, over several windows of a small file size
        let mut bytes = Vec::new();
        for k in 0..400_000u32 {
            writeln!(bytes, "{k} {}", "x".repeat((k % 37) as usize)).unwrap();
        }
        file.write_all(&bytes).unwrap();
        let old = SystemTime::now() - Duration::from_secs(60);
        file.as_file().set_modified(old).unwrap();
        let progress = Arc::new(Progress::default());
        for (start, end) in [(0, None), (12_345, Some(9_000_001)), (70_000, Some(70_000))] {
            let mapped = Mapped::open(file.reopen().unwrap(), start, end, &progress).unwrap();
            let expected = &bytes[start as usize..end.map_or(bytes.len(), |e| e as usize)];
            let Ok(mut mapped) = mapped else {
                assert!(expected.len() < MIN_MAPPED as usize);
                continue;
            };
            let mut read = Vec::new();
            mapped.read_to_end(&mut read).unwrap();
            assert_eq!(read.len(), expected.len());
            assert!(read == expected, "bytes {start}..{end:?}");
        }
        // a file just written is left to `read`
        file.as_file().set_modified(SystemTime::now()).unwrap();
        assert!(Mapped::open(file.reopen().unwrap(), 0, None, &progress)
            .unwrap()
            .is_err());
    }
}
