//! Cutting a large plain file into chunks at line breaks, one per thread, so that each is
//! read by an analyzer of its own and the results merged in order.

use std::path::Path;
use std::sync::Arc;

use super::decode;
use super::input::{open_file, Opened, Progress};

/// Files smaller than this are read by one thread: starting threads would cost more.
const PARALLEL_MIN_BYTES: u64 = 16 * 1024 * 1024;

/// Where to cut a plain file into `threads` chunks at line breaks (the first offset is 0,
/// the last the file's length), or `None` when it is to be read whole: stdin, one thread, a
/// small file, gzip, UTF-16, or a JSON document or CSV export.
pub(crate) fn chunk_boundaries(path: &Path, threads: usize) -> std::io::Result<Option<Vec<u64>>> {
    use std::io::{BufRead, BufReader, Seek, SeekFrom};
    if threads <= 1 || path.as_os_str() == "-" {
        return Ok(None);
    }
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    if len < PARALLEL_MIN_BYTES {
        return Ok(None);
    }
    let mut reader = BufReader::new(&mut file);
    let head = reader.fill_buf()?;
    // gzip is one stream; UTF-16 has no line break byte to cut at
    if head.starts_with(&[0x1f, 0x8b]) || super::utf16::detect(head).is_some() {
        return Ok(None);
    }
    let first_line = head
        .split(|b| *b == b'\n')
        .find(|line| !line.trim_ascii().is_empty())
        .unwrap_or_default();
    if decode::opens_document(first_line) || decode::is_insights_csv_header(first_line) {
        return Ok(None);
    }
    let mut boundaries = vec![0];
    for k in 1..threads as u64 {
        reader.seek(SeekFrom::Start(len * k / threads as u64))?;
        let mut skipped = Vec::new();
        let read = reader.read_until(b'\n', &mut skipped)? as u64;
        let boundary = (len * k / threads as u64 + read).min(len);
        if boundary > *boundaries.last().unwrap() && boundary < len {
            boundaries.push(boundary);
        }
    }
    boundaries.push(len);
    Ok(Some(boundaries))
}

/// The bytes `start..end` of a file.
pub(crate) fn open_range(
    path: &Path,
    start: u64,
    end: u64,
    progress: &Arc<Progress>,
) -> std::io::Result<Opened> {
    open_file(std::fs::File::open(path)?, start, Some(end), progress)
}
