//! Reading inputs: files, folders, gzip, stdin and in-memory exports, decoded into lines and
//! events (whatever wrapped them), each event classified and handed to the accumulators.
//! Large plain files are cut into chunks read on several threads.

pub(crate) mod chunks;
pub(crate) mod decode;
pub(crate) mod input;
mod reader;
mod state;

pub(crate) use reader::Reading;
pub(crate) use state::InputState;
