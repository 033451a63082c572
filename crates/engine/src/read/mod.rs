//! Reading inputs: files, folders, gzip, UTF-16, stdin and in-memory exports, decoded into lines and
//! events (whatever wrapped them), each event classified and handed to the accumulators.
//! Documents are read as streams; large plain files are cut into chunks read on several
//! threads.

mod blocks;
mod budget;
pub(crate) mod chunks;
pub(crate) mod decode;
mod document;
mod frames;
pub(crate) mod inflate;
pub(crate) mod input;
mod insights_csv;
mod mapped;
pub(crate) mod parallel;
mod reader;
mod state;
mod streams;
mod utf16;

pub(crate) use reader::Reading;
pub(crate) use state::InputState;
