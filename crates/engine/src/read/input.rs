//! Opening inputs: files, folders, stdin, and gzip detected by its magic bytes, UTF-16 by
//! its byte order mark or its NULs (read as UTF-8).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use super::inflate::{inflated_if_gzip, Inflated, SpareCores};
use super::mapped::Mapped;
use crate::model::Compression;
use flate2::bufread::MultiGzDecoder;

use super::utf16::{self, Utf16Reader};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Size of the read buffer: large enough that syscalls do not dominate on big exports.
const READ_BUFFER: usize = 256 * 1024;

/// Why an input could not be read. Every variant names the input, and where a line is known,
/// the line, so that the user can open the file at the right place.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot open {path}: {source}")]
    Open { path: String, source: io::Error },
    #[error("cannot read {name} after line {line}: {source}")]
    Read {
        name: String,
        line: u64,
        source: io::Error,
    },
    #[error("{path} holds no files to read")]
    EmptyFolder { path: String },
    #[error("reading {name} was cancelled after line {line}")]
    Cancelled { name: String, line: u64 },
}

/// What a reading has got through, shared with whoever shows it, and the way to stop it:
/// [`crate::Analyzer::progress`] hands it out before reading starts.
#[derive(Debug, Default)]
pub struct Progress {
    bytes: AtomicU64,
    lines: AtomicU64,
    requests: AtomicU64,
    timeouts: AtomicU64,
    cancelled: AtomicBool,
}

impl Progress {
    /// Lines read so far; updated every few thousand lines, and at the end of an input.
    pub fn lines_read(&self) -> u64 {
        self.lines.load(Ordering::Relaxed)
    }

    /// Access-log requests read so far, updated as `lines_read` is.
    pub fn requests_read(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Gateway timeouts seen so far, updated as `lines_read` is.
    pub fn timeouts_seen(&self) -> u64 {
        self.timeouts.load(Ordering::Relaxed)
    }

    pub(crate) fn add(&self, lines: u64, requests: u64, timeouts: u64) {
        self.lines.fetch_add(lines, Ordering::Relaxed);
        self.requests.fetch_add(requests, Ordering::Relaxed);
        self.timeouts.fetch_add(timeouts, Ordering::Relaxed);
    }

    /// Bytes read from the inputs so far (as stored: compressed bytes for gzip).
    pub fn bytes_read(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    pub(crate) fn add_bytes(&self, bytes: u64) {
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Asks the reading to stop; it stops within a line, keeping what it read.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }
}

/// A reader that counts what passes through it into a [`Progress`].
pub(crate) struct Counted<R> {
    pub(crate) inner: R,
    pub(crate) progress: Arc<Progress>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.add_bytes(n as u64);
        Ok(n)
    }
}

/// Expands the paths a user named into the files to read: files stay as they are, folders
/// give the files beneath them in name order (hidden files skipped), `-` stands for stdin.
pub fn expand_paths(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut files = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" || !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        let before = files.len();
        collect_folder(path, &mut files, &mut Vec::new())?;
        if files.len() == before {
            return Err(Error::EmptyFolder {
                path: path.display().to_string(),
            });
        }
    }
    Ok(files)
}

/// Adds the files of `folder` and of its subfolders, symlinks followed; `visited` holds the
/// folders of this walk (resolved), so that a link back up the tree is read once, not
/// until the path is too long.
fn collect_folder(
    folder: &Path,
    files: &mut Vec<PathBuf>,
    visited: &mut Vec<PathBuf>,
) -> Result<(), Error> {
    if let Ok(resolved) = std::fs::canonicalize(folder) {
        if visited.contains(&resolved) {
            return Ok(());
        }
        visited.push(resolved);
    }
    let open_error = |source| Error::Open {
        path: folder.display().to_string(),
        source,
    };
    let mut entries = std::fs::read_dir(folder)
        .map_err(open_error)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(open_error)?;
    entries.sort();
    for path in entries {
        let hidden = path
            .file_name()
            .is_some_and(|name| name.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            collect_folder(&path, files, visited)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

/// An input opened: a large plain file through a memory map, or anything else (stdin, gzip,
/// UTF-16, a small or busy file) through `read`.
pub(crate) enum Opened {
    Mapped(Mapped),
    Reader(Box<dyn Read + Send>),
}

/// Opens a file, or stdin for `-`, with `progress` told of the bytes read.
pub(crate) fn open_path(path: &Path, progress: &Arc<Progress>) -> Result<Opened, Error> {
    if path.as_os_str() == "-" {
        return Ok(Opened::Reader(Box::new(io::stdin())));
    }
    let open_error = |source| Error::Open {
        path: path.display().to_string(),
        source,
    };
    let file = File::open(path).map_err(open_error)?;
    open_file(file, 0, None, progress).map_err(open_error)
}

/// The bytes `start..end` (or to its end) of an open file.
pub(crate) fn open_file(
    file: File,
    start: u64,
    end: Option<u64>,
    progress: &Arc<Progress>,
) -> io::Result<Opened> {
    use std::io::{Seek, SeekFrom};
    let mut file = match Mapped::open(file, start, end, progress)? {
        Ok(mut mapped) => {
            let head = mapped.fill_buf()?;
            let plain = !head.starts_with(&[0x1f, 0x8b]) && utf16::detect(head).is_none();
            if plain {
                return Ok(Opened::Mapped(mapped));
            }
            mapped.into_file()
        }
        Err(file) => file,
    };
    file.seek(SeekFrom::Start(start))?;
    Ok(Opened::Reader(match end {
        Some(end) => Box::new(file.take(end.saturating_sub(start))),
        None => Box::new(file),
    }))
}

/// Reads an input line by line into one reused buffer, decompressing gzip when the first
/// bytes say so (an S3 export object is gzip whatever its name).
pub(crate) struct LineReader<R: Read> {
    source: Source<R>,
    line_number: u64,
}

enum Source<R: Read> {
    Plain(BufReader<R>),
    Mapped(Mapped),
    Gzip(Box<BufReader<MultiGzDecoder<BufReader<R>>>>),
    /// Gzip inflated on a thread of its own.
    Inflated(Inflated),
    Utf16(Box<BufReader<Utf16Reader<BufReader<R>>>>),
}

impl<R: Read + Send + 'static> LineReader<R> {
    /// A reader of lines whose gzip, if it is gzip, is inflated on a thread of its own (with
    /// `when_spare`, once a core is spare) while the lines are read on this one.
    pub(crate) fn inflating(reader: R, when_spare: Option<SpareCores>) -> io::Result<Self> {
        let buffered = BufReader::with_capacity(READ_BUFFER, reader);
        let source = match inflated_if_gzip(buffered, when_spare)? {
            Ok(inflated) => Source::Inflated(inflated),
            Err(plain) => Source::unwrapped(plain)?,
        };
        Self::of_source(source)
    }
}

impl<R: Read> Source<R> {
    /// An input that is not gzip: UTF-16 (transcoded as it is read) or bytes as they are.
    fn unwrapped(mut buffered: BufReader<R>) -> io::Result<Self> {
        let head = buffered.fill_buf()?;
        Ok(match utf16::detect(head) {
            Some((endian, mark)) => {
                buffered.consume(mark);
                Source::Utf16(Box::new(BufReader::with_capacity(
                    READ_BUFFER,
                    Utf16Reader::new(buffered, endian),
                )))
            }
            None => Source::Plain(buffered),
        })
    }
}

impl<R: Read> LineReader<R> {
    pub(crate) fn new(reader: R) -> io::Result<Self> {
        let mut buffered = BufReader::with_capacity(READ_BUFFER, reader);
        let head = buffered.fill_buf()?;
        let source = if head.starts_with(&[0x1f, 0x8b]) {
            Source::Gzip(Box::new(BufReader::with_capacity(
                READ_BUFFER,
                MultiGzDecoder::new(buffered),
            )))
        } else {
            Source::unwrapped(buffered)?
        };
        Self::of_source(source)
    }

    /// A reader of the lines of a mapped file.
    pub(crate) fn mapped(mapped: Mapped) -> io::Result<Self> {
        Self::of_source(Source::Mapped(mapped))
    }

    fn of_source(source: Source<R>) -> io::Result<Self> {
        let mut lines = LineReader {
            source,
            line_number: 0,
        };
        // a file saved on Windows may start with a UTF-8 byte order mark
        let reader = lines.reader();
        if reader.fill_buf()?.starts_with(UTF8_BOM) {
            reader.consume(UTF8_BOM.len());
        }
        Ok(lines)
    }

    /// The input, decompressed, from where the last line ended.
    pub(crate) fn reader(&mut self) -> &mut dyn BufRead {
        match &mut self.source {
            Source::Plain(reader) => reader,
            Source::Mapped(reader) => reader,
            Source::Gzip(reader) => reader.as_mut(),
            Source::Inflated(reader) => reader,
            Source::Utf16(reader) => reader.as_mut(),
        }
    }

    /// The bytes buffered ahead (at least some, unless the input is over).
    pub(crate) fn peek(&mut self) -> io::Result<&[u8]> {
        self.reader().fill_buf()
    }

    /// Counts `lines` read through [`LineReader::reader`].
    pub(crate) fn advance(&mut self, lines: u64) {
        self.line_number += lines;
    }

    pub(crate) fn compression(&self) -> Compression {
        match self.source {
            Source::Plain(_) | Source::Mapped(_) | Source::Utf16(_) => Compression::None,
            Source::Gzip(_) | Source::Inflated(_) => Compression::Gzip,
        }
    }

    /// The number of the line last returned, counting from 1.
    pub(crate) fn line_number(&self) -> u64 {
        self.line_number
    }

    /// The next line without its line ending (LF or CRLF), where what is buffered holds it
    /// whole, and the bytes it takes with its ending; nothing is consumed until
    /// [`LineReader::consume_line`]. `None` when the line goes on past the buffer or the
    /// input is over: then [`LineReader::next_line`] reads it. The line is read in place,
    /// where [`LineReader::next_line`] copies it out.
    pub(crate) fn buffered_line(&mut self) -> io::Result<Option<(&[u8], usize)>> {
        let available = match &mut self.source {
            Source::Mapped(reader) => reader.fill_buf()?,
            Source::Plain(reader) => reader.fill_buf()?,
            Source::Inflated(reader) => reader.fill_buf()?,
            Source::Gzip(reader) => reader.fill_buf()?,
            Source::Utf16(reader) => reader.fill_buf()?,
        };
        let Some(at) = memchr::memchr(b'\n', available).filter(|at| *at < MAX_LINE) else {
            return Ok(None);
        };
        let line = &available[..at];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        Ok(Some((line, at + 1)))
    }

    /// Goes past the line [`LineReader::buffered_line`] returned, `taken` bytes with its ending.
    pub(crate) fn consume_line(&mut self, taken: usize) {
        match &mut self.source {
            Source::Mapped(reader) => reader.consume(taken),
            Source::Plain(reader) => reader.consume(taken),
            Source::Inflated(reader) => reader.consume(taken),
            Source::Gzip(reader) => reader.consume(taken),
            Source::Utf16(reader) => reader.consume(taken),
        }
        self.line_number += 1;
    }

    /// Reads the next line into `line` without its line ending (LF or CRLF). A line longer
    /// than `MAX_LINE` is cut there and the rest of it skipped, so that a file without line
    /// breaks cannot take all memory.
    pub(crate) fn next_line(&mut self, line: &mut Vec<u8>) -> io::Result<Line> {
        line.clear();
        let (read, complete) = match &mut self.source {
            Source::Plain(reader) => read_capped(reader, line)?,
            Source::Mapped(reader) => read_capped(reader, line)?,
            Source::Gzip(reader) => read_capped(reader.as_mut(), line)?,
            Source::Inflated(reader) => read_capped(reader, line)?,
            Source::Utf16(reader) => read_capped(reader.as_mut(), line)?,
        };
        if read == 0 {
            return Ok(Line::End);
        }
        self.line_number += 1;
        if line.last() == Some(&b'\n') {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
        }
        Ok(if complete { Line::Read } else { Line::TooLong })
    }
}

/// Lines longer than this are cut: no log event is larger than 256 KB (CloudWatch's limit),
/// and a wrapped document spans many lines.
pub(crate) const MAX_LINE: usize = 16 * 1024 * 1024;

/// What [`LineReader::next_line`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Line {
    Read,
    /// A line longer than [`MAX_LINE`]: its start is in the buffer, the rest was skipped.
    TooLong,
    End,
}

/// Reads up to a newline, keeping at most `MAX_LINE` bytes. Returns the bytes consumed and
/// whether the line fitted.
fn read_capped(reader: &mut impl BufRead, line: &mut Vec<u8>) -> io::Result<(usize, bool)> {
    let mut consumed = 0;
    let mut complete = true;
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            return Ok((consumed, complete));
        }
        let (take, done) = match memchr::memchr(b'\n', available) {
            Some(at) => (at + 1, true),
            None => (available.len(), false),
        };
        let room = MAX_LINE.saturating_sub(line.len());
        if take > room {
            complete = false;
        }
        line.extend_from_slice(&available[..take.min(room)]);
        reader.consume(take);
        consumed += take;
        if done {
            return Ok((consumed, complete));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn lines_of(bytes: &[u8]) -> (Compression, Vec<String>) {
        let mut reader = LineReader::new(bytes).unwrap();
        let mut line = Vec::new();
        let mut lines = Vec::new();
        while reader.next_line(&mut line).unwrap() != Line::End {
            lines.push(String::from_utf8_lossy(&line).into_owned());
        }
        (reader.compression(), lines)
    }

    #[test]
    fn line_endings_lf_crlf_and_a_last_line_without_one() {
        let (compression, lines) = lines_of(b"a\r\nb\n\nc");
        assert_eq!(compression, Compression::None);
        assert_eq!(lines, ["a", "b", "", "c"]);
    }

    #[test]
    fn lines_read_in_place_are_those_read_into_the_buffer() {
        let mut reader = LineReader::new(&b"a\r\n\nbb\ncut"[..]).unwrap();
        for expected in [&b"a"[..], b"", b"bb"] {
            let (line, taken) = reader.buffered_line().unwrap().unwrap();
            assert_eq!(line, expected);
            let ending = if expected == b"a" { 2 } else { 1 };
            assert_eq!(taken, expected.len() + ending);
            reader.consume_line(taken);
        }
        assert_eq!(reader.line_number(), 3);
        // a line without its end in the buffer is left to `next_line`
        assert!(reader.buffered_line().unwrap().is_none());
        let mut line = Vec::new();
        assert_eq!(reader.next_line(&mut line).unwrap(), Line::Read);
        assert_eq!((&line[..], reader.line_number()), (&b"cut"[..], 4));
        assert!(reader.buffered_line().unwrap().is_none());
        assert_eq!(reader.next_line(&mut line).unwrap(), Line::End);
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_line() {
        let (_, lines) = lines_of(b"\xEF\xBB\xBF{\n}");
        assert_eq!(lines, ["{", "}"]);
    }

    #[test]
    fn gzip_is_recognised_by_its_bytes_including_concatenated_members() {
        let mut bytes = Vec::new();
        for part in [&b"first\n"[..], &b"second\n"[..]] {
            let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::fast());
            encoder.write_all(part).unwrap();
            bytes.extend(encoder.finish().unwrap());
        }
        let (compression, lines) = lines_of(&bytes);
        assert_eq!(compression, Compression::Gzip);
        assert_eq!(lines, ["first", "second"]);
    }

    #[test]
    fn folders_expand_to_their_files_in_order_without_hidden_ones() {
        let dir = std::env::temp_dir().join(format!("ceiling-expand-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        for name in ["b.log", "a.log", ".hidden", "sub/c.log"] {
            std::fs::write(dir.join(name), "x\n").unwrap();
        }
        let files = expand_paths(std::slice::from_ref(&dir)).unwrap();
        let names: Vec<_> = files
            .iter()
            .map(|f| f.strip_prefix(&dir).unwrap().to_string_lossy().into_owned())
            .collect();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(names, ["a.log", "b.log", "sub/c.log"]);
    }
}
