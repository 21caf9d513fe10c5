//! Every error type the library returns, seen the one way the command line needs: its
//! diagnostics and its exit code ([`crate::error::Report`]). [`report_of`] finds the library's
//! error in a chain of causes, so the binary needs to know none of the types.

use crate::announce::AnnounceError;
use crate::authoring::AuthoringError;
use crate::error::{Error, Report};
use crate::import::ImportError;
use crate::ingest::IngestError;
use crate::publish::PublishError;

/// The library's error that `error` is, if it is one (a cause the binary added context to is
/// found by walking the chain: `anyhow::Error::chain`).
pub fn report_of<'e>(error: &'e (dyn std::error::Error + 'static)) -> Option<&'e dyn Report> {
    fn of<'e, E: Report + 'static>(
        error: &'e (dyn std::error::Error + 'static),
    ) -> Option<&'e dyn Report> {
        error.downcast_ref::<E>().map(|e| e as &dyn Report)
    }
    of::<Error>(error)
        .or_else(|| of::<AuthoringError>(error))
        .or_else(|| of::<PublishError>(error))
        .or_else(|| of::<AnnounceError>(error))
        .or_else(|| of::<IngestError>(error))
        .or_else(|| of::<ImportError>(error))
}

impl Report for AuthoringError {
    fn site_error(&self) -> Option<&Error> {
        match self {
            AuthoringError::Site(site) => Some(site),
            _ => None,
        }
    }

    fn is_usage(&self) -> bool {
        match self {
            AuthoringError::BadOption { .. } => true,
            AuthoringError::Site(site) => site.is_usage(),
            AuthoringError::Refused { .. } => false,
        }
    }
}

impl Report for PublishError {
    fn site_error(&self) -> Option<&Error> {
        match self {
            PublishError::Site(site) => Some(site),
            _ => None,
        }
    }
}

impl Report for AnnounceError {
    fn site_error(&self) -> Option<&Error> {
        match self {
            AnnounceError::Site(site) => Some(site),
            _ => None,
        }
    }
}

impl Report for IngestError {
    fn site_error(&self) -> Option<&Error> {
        match self {
            IngestError::Site(authoring) => authoring.site_error(),
            _ => None,
        }
    }

    fn is_usage(&self) -> bool {
        matches!(self, IngestError::Site(authoring) if authoring.is_usage())
    }
}

impl Report for ImportError {
    fn site_error(&self) -> Option<&Error> {
        match self {
            ImportError::Site(authoring) => authoring.site_error(),
            _ => None,
        }
    }

    fn is_usage(&self) -> bool {
        matches!(self, ImportError::Site(authoring) if authoring.is_usage())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Diagnostic, ErrorCode};

    fn content() -> Error {
        Error::Content(vec![Diagnostic::new(
            "incidents/a.md",
            ErrorCode::Timeline,
            "no updates",
        )])
    }

    fn invalid_now() -> Error {
        Error::InvalidNow {
            value: "soon".into(),
            reason: "not a timestamp".into(),
        }
    }

    /// Whichever command returned it, a site error has its diagnostics and its exit code.
    #[test]
    fn every_error_type_gives_its_diagnostics_and_exit_code() {
        let errors: Vec<Box<dyn std::error::Error + 'static>> = vec![
            Box::new(content()),
            Box::new(AuthoringError::Site(content())),
            Box::new(PublishError::Site(content())),
            Box::new(AnnounceError::Site(content())),
            Box::new(IngestError::Site(AuthoringError::Site(content()))),
            Box::new(ImportError::Site(AuthoringError::Site(content()))),
        ];
        for error in &errors {
            let report = report_of(error.as_ref()).expect("a library error");
            assert_eq!(report.diagnostics().len(), 1, "{error}");
            assert_eq!(report.exit_code(), 1, "{error}");
        }
    }

    #[test]
    fn a_bad_option_or_now_is_a_usage_error() {
        let errors: Vec<Box<dyn std::error::Error + 'static>> = vec![
            Box::new(invalid_now()),
            Box::new(AuthoringError::bad_option("--kind `x`", None)),
            Box::new(AuthoringError::Site(invalid_now())),
            Box::new(PublishError::Site(invalid_now())),
            Box::new(IngestError::Site(AuthoringError::Site(invalid_now()))),
        ];
        for error in &errors {
            let report = report_of(error.as_ref()).expect("a library error");
            assert_eq!(report.exit_code(), 2, "{error}");
            assert!(report.diagnostics().is_empty());
        }
        let refused = AuthoringError::refused("no such event", None);
        assert_eq!(report_of(&refused).map(|r| r.exit_code()), Some(1));
        assert!(report_of(&std::io::Error::other("x")).is_none());
    }
}
