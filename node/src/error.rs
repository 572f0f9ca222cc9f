//! The node's error type: every failure a caller of the store or the clinic operations
//! can see, each mapped once to an HTTP status and a stable code in `api::error`.

use medicloud_core::error_code::ErrorCode;
use medicloud_core::i18n::Text;
use medicloud_core::ticket::TransitionError;
use medicloud_core::validate::ValidationError;

/// What went wrong in a node operation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that does not hold what it should; nothing was changed.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The thing asked for does not exist (or the caller may not know it exists).
    #[error("{what} not found")]
    NotFound {
        /// What was looked for, e.g. `ticket`.
        what: &'static str,
    },
    /// `call-next` found nobody waiting in the counter's services.
    #[error("nobody is waiting for this counter")]
    QueueEmpty,
    /// A ticket step that the lifecycle does not allow from its current state.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// The request conflicts with the current state, for a reason named by `code`.
    #[error("{}", .message.en)]
    Conflict {
        /// Stable machine-readable code, e.g. [`ErrorCode::AlreadyCheckedIn`].
        code: ErrorCode,
        /// What happened, in words staff understand, in both languages.
        message: Text,
    },
    /// The clinic's booking authority (another node) refused a desk booking asked of it;
    /// its answer as it gave it.
    #[error("{}", .message.en)]
    Forwarded {
        /// The HTTP status it answered with.
        status: u16,
        /// Its code.
        code: ErrorCode,
        /// Its words, in both languages.
        message: Text,
    },
    /// SQLite failed (disk full, I/O error…); the transaction was rolled back.
    #[error("the local database failed: {0}")]
    Storage(#[from] rusqlite::Error),
    /// Stored data could not be read back (a bug or a damaged database).
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// The audit chain has no link for the event before this one of its origin (a
    /// damaged or tampered database); the event is not stored.
    #[error("audit chain broken before {origin}/{seq}")]
    AuditChainBroken {
        /// The origin device of the event.
        origin: String,
        /// The event's seq.
        seq: i64,
    },
    /// The printer's layout refused a ticket (a template it cannot lay out); the ticket
    /// is not issued.
    #[error("ticket layout: {0}")]
    Layout(#[source] medicloud_printer::PrintError),
    /// The operating system refused to start a thread (a sync link's).
    #[error("cannot start a thread: {0}")]
    Thread(#[source] std::io::Error),
    /// The database did not open with the key given: a wrong key, or a file that is not
    /// an encrypted node database.
    #[error(
        "the database does not open with this key (a wrong key, or not an encrypted node database)"
    )]
    WrongKey,
    /// A key file (or the database file, before it is opened) is missing, unreadable or
    /// cannot be written.
    #[error("{0}")]
    Key(String),
    /// Another process (a running node) has the database.
    #[error("{0}")]
    Busy(String),
}

/// JSON read back from the database (events, projections) that does not decode. (Writing
/// JSON of the node's own types cannot fail, so this is the only way it arises.)
impl From<serde_json::Error> for Error {
    fn from(err: serde_json::Error) -> Self {
        Error::Corrupt(err.to_string())
    }
}

impl Error {
    /// A conflict with a stable code, said in both languages.
    pub fn conflict(code: ErrorCode, message: Text) -> Self {
        Error::Conflict { code, message }
    }

    /// A conflict said in the code's own words ([`ErrorCode::text`]).
    pub fn conflict_code(code: ErrorCode) -> Self {
        Error::conflict(code, code.text())
    }
}

/// Result of node operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;
