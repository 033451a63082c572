//! The time window a reading covers: the engine's one [`Window`], read from the texts the user
//! writes (`2h`, `now`, ISO 8601) by [`Window::from_text`].

pub use ceiling_engine::{now_ms, parse_time, TimeError, Window, WindowError};
