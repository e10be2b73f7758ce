//! The error table every binding reads: one row per kind of error a host can see, with its
//! stable code string (Node's `error.code`, Python's `PatterError.code`), its C `patter_status`
//! value and what it means. Bindings never spell these themselves.

use crate::error::PatterError;

/// One row of the error table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCode {
    /// The stable code string, e.g. `PATTER_INVALID_ARGUMENT`.
    pub code: &'static str,
    /// The value of the matching C `patter_status` (`PATTER_STATUS_` + [`ErrorCode::name`]).
    pub status: i32,
    /// One line: when a host sees it.
    pub meaning: &'static str,
}

impl ErrorCode {
    /// An argument was malformed or of the wrong type: empty, too long, out of range (NaN,
    /// infinite, negative, overflowing), unknown enum value.
    pub const INVALID_ARGUMENT: ErrorCode = ErrorCode {
        code: "PATTER_INVALID_ARGUMENT",
        status: 3,
        meaning: "An argument was malformed: wrong type, empty, too long, out of range, unknown enum value, bad JSON.",
    };
    /// The object is not in a state that allows the operation.
    pub const STATE: ErrorCode = ErrorCode {
        code: "PATTER_STATE",
        status: 5,
        meaning: "The object is not in a state that allows the operation (e.g. the call or span has ended).",
    };
    /// A configuration value could not be used.
    pub const CONFIG: ErrorCode = ErrorCode {
        code: "PATTER_CONFIG",
        status: 6,
        meaning: "A configuration value (explicit or from the environment) could not be used.",
    };
    /// A filesystem operation failed.
    pub const IO: ErrorCode = ErrorCode {
        code: "PATTER_IO",
        status: 7,
        meaning: "A filesystem operation failed (explicit operations only, never inside a live call).",
    };
    /// Stored data could not be parsed.
    pub const CORRUPT: ErrorCode =
        ErrorCode { code: "PATTER_CORRUPT", status: 8, meaning: "Stored data could not be parsed." };
    /// An exporter could not be built or attached.
    pub const EXPORTER: ErrorCode =
        ErrorCode { code: "PATTER_EXPORTER", status: 9, meaning: "A span exporter could not be built or attached." };
    /// A bug in libpatter caught at a binding's boundary (a panic, a value that did not convert);
    /// not a [`PatterError`] kind: bindings raise it themselves.
    pub const INTERNAL: ErrorCode = ErrorCode {
        code: "PATTER_INTERNAL",
        status: 11,
        meaning: "An internal error (a caught panic). The library stays usable; please report it.",
    };

    /// The code without its `PATTER_` prefix (`INVALID_ARGUMENT`): the key of Node's
    /// `ErrorCode` object and the suffix of the C status name.
    pub fn name(&self) -> &'static str {
        self.code.strip_prefix("PATTER_").unwrap_or(self.code)
    }

    /// The row whose C status value is `status`, if any.
    pub fn from_status(status: i32) -> Option<ErrorCode> {
        ERROR_CODES.iter().copied().find(|e| e.status == status)
    }
}

/// Every code a binding may raise, in C status order. New rows may be added; codes and status
/// values never change. (The C ABI has a few statuses of its own, such as a NULL pointer or an
/// invalid handle, that no other language can produce; they are not in this table.)
pub const ERROR_CODES: [ErrorCode; 7] = [
    ErrorCode::INVALID_ARGUMENT,
    ErrorCode::STATE,
    ErrorCode::CONFIG,
    ErrorCode::IO,
    ErrorCode::CORRUPT,
    ErrorCode::EXPORTER,
    ErrorCode::INTERNAL,
];

impl PatterError {
    /// The error's row of [`ERROR_CODES`].
    pub fn error_code(&self) -> ErrorCode {
        match self {
            PatterError::InvalidArgument { .. } => ErrorCode::INVALID_ARGUMENT,
            PatterError::Config { .. } => ErrorCode::CONFIG,
            PatterError::State(_) => ErrorCode::STATE,
            PatterError::Io { .. } => ErrorCode::IO,
            PatterError::Corrupt { .. } => ErrorCode::CORRUPT,
            PatterError::Exporter(_) => ErrorCode::EXPORTER,
        }
    }

    /// The stable code string, e.g. `"PATTER_INVALID_ARGUMENT"`.
    pub fn code(&self) -> &'static str {
        self.error_code().code
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_and_statuses_are_unique_and_prefixed() {
        let codes: HashSet<_> = ERROR_CODES.iter().map(|e| e.code).collect();
        let statuses: HashSet<_> = ERROR_CODES.iter().map(|e| e.status).collect();
        assert_eq!(codes.len(), ERROR_CODES.len());
        assert_eq!(statuses.len(), ERROR_CODES.len());
        assert!(ERROR_CODES.windows(2).all(|w| w[0].status < w[1].status), "in status order");
        for e in ERROR_CODES {
            assert!(e.code.starts_with("PATTER_") && e.name() == &e.code[7..], "{e:?}");
            assert!(e.status > 0 && !e.meaning.is_empty() && !e.meaning.contains('\n'), "{e:?}");
            assert_eq!(ErrorCode::from_status(e.status), Some(e));
        }
        assert_eq!(ErrorCode::from_status(0), None);
    }

    #[test]
    fn every_error_kind_has_its_row() {
        let errors = [
            PatterError::invalid("x", "bad"),
            PatterError::Config { key: "k".into(), reason: "r".into() },
            PatterError::State("s".into()),
            PatterError::Io { path: "p".into(), reason: "r".into() },
            PatterError::Corrupt { path: "p".into(), reason: "r".into() },
            PatterError::Exporter("e".into()),
        ];
        let codes: Vec<_> = errors.iter().map(|e| e.code()).collect();
        assert_eq!(
            codes,
            [
                "PATTER_INVALID_ARGUMENT",
                "PATTER_CONFIG",
                "PATTER_STATE",
                "PATTER_IO",
                "PATTER_CORRUPT",
                "PATTER_EXPORTER"
            ]
        );
        for e in &errors {
            assert!(ERROR_CODES.contains(&e.error_code()));
        }
    }

    #[test]
    fn docs_list_the_table() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/call-api.md");
        let docs = std::fs::read_to_string(path).expect("docs/call-api.md");
        for e in ERROR_CODES {
            let row = format!("| `{}` | `PATTER_STATUS_{}` ({}) |", e.code, e.name(), e.status);
            assert!(docs.contains(&row), "docs/call-api.md lacks the row {row}");
        }
    }
}
