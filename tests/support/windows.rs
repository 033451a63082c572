//! Windows of a gen.py incident written with `--wrap s3` (`<ISO time> <message>` lines):
//! each file cut to the events CloudWatch would return for a window, by the events' own
//! times, as a fetch of that window reads them.

use std::path::Path;

/// Writes into `out` each of `files` (names in `dir`) cut to the events from `from_ms` to
/// `to_ms`, the end excluded; a line without a time goes with the event before it.
pub fn cut_window(dir: &Path, files: &[&str], from_ms: i64, to_ms: i64, out: &Path) {
    std::fs::create_dir_all(out).unwrap();
    for file in files {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let mut kept = String::new();
        let mut keeping = false;
        for line in text.lines() {
            let time = line
                .split_once(' ')
                .and_then(|(time, _)| ceiling_engine::parse_iso_ms(time));
            if let Some(time) = time {
                keeping = (from_ms..to_ms).contains(&time);
            }
            if keeping {
                kept.push_str(line);
                kept.push('\n');
            }
        }
        std::fs::write(out.join(file), kept).unwrap();
    }
}
