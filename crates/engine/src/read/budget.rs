//! What decoding an input may cost: the budgets per input (decoded bytes, nested payloads,
//! events per document), what is over one, and why a document gave no events.

/// What an input may cost to decode, whatever its own size: gzip inside base64 inside JSON
/// can claim gigabytes in a few kilobytes, and a document can hold any number of events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// Bytes decompressed from the payloads of one input, all together.
    pub(crate) decoded_bytes: u64,
    /// Bytes decompressed from one payload. CloudWatch batches at most 1 MiB of events into
    /// a subscription payload, and Kinesis and Firehose records are at most 1 MiB (10 MiB
    /// for Kinesis on request): this is ten times what a real payload holds.
    pub(crate) payload_bytes: u64,
    /// Nested payloads (subscription data, Kinesis and Firehose records) in one input.
    pub(crate) payloads: u64,
    /// Events in one document.
    pub(crate) events: u64,
}

impl Limits {
    pub(crate) const DEFAULT: Limits = Limits {
        decoded_bytes: 4 << 30,
        payload_bytes: 100 << 20,
        payloads: 10_000_000,
        events: 200_000_000,
    };
}

/// Which budget an input went past.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Over {
    DecodedBytes,
    PayloadBytes,
    Payloads,
    Events,
}

impl Over {
    /// The budget, named for the input's report.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Over::DecodedBytes => "decoded payloads past the budget of bytes per input",
            Over::PayloadBytes => "a payload decoding past the budget of bytes per payload",
            Over::Payloads => "nested payloads past the budget per input",
            Over::Events => "events past the budget per document",
        }
    }

    pub(crate) fn limit(self, limits: &Limits) -> u64 {
        match self {
            Over::DecodedBytes => limits.decoded_bytes,
            Over::PayloadBytes => limits.payload_bytes,
            Over::Payloads => limits.payloads,
            Over::Events => limits.events,
        }
    }
}

/// What one input has spent of its [`Limits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Budget {
    pub(crate) limits: Limits,
    pub(crate) decoded_bytes: u64,
    pub(crate) payloads: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Budget::new(Limits::DEFAULT)
    }
}

impl Budget {
    pub(crate) fn new(limits: Limits) -> Budget {
        Budget {
            limits,
            decoded_bytes: 0,
            payloads: 0,
        }
    }
}

/// Why a walk stopped before the document's end, other than malformed JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The sink asked to stop (a cancel).
    Sink,
    Over(Over),
}

/// Why a document gave no (more) events.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DocumentError {
    #[error("malformed JSON document: {0}")]
    Json(serde_json::Error),
    #[error("empty JSON document")]
    Empty,
    #[error("a payload is not base64: {0}")]
    Base64(base64::DecodeError),
    #[error("a payload does not decompress: {0}")]
    Decompress(std::io::Error),
    #[error("a decoded payload is not JSON: {0}")]
    PayloadJson(serde_json::Error),
    #[error("input cut: {}; the events before are kept", .0.describe())]
    Over(Over),
    #[error("stopped")]
    Stopped,
}

/// A decompressing reader that counts its output against the payload's and the input's
/// budgets, and fails past either.
pub(super) struct Metered<R> {
    pub(super) inner: R,
    pub(super) read: u64,
    pub(super) payload_limit: u64,
    pub(super) input_left: u64,
    pub(super) over: Option<Over>,
    pub(super) failed: Option<std::io::Error>,
}

impl<R: std::io::Read> std::io::Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = match self.inner.read(buf) {
            Ok(n) => n,
            Err(error) => {
                let message = error.to_string();
                self.failed = Some(error);
                return Err(std::io::Error::other(message));
            }
        };
        self.read += n as u64;
        if self.read > self.input_left {
            self.over.get_or_insert(Over::DecodedBytes);
        } else if self.read > self.payload_limit {
            self.over.get_or_insert(Over::PayloadBytes);
        }
        if self.over.is_some() {
            return Err(std::io::Error::other("over the decoding budget"));
        }
        Ok(n)
    }
}
