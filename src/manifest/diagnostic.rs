//! Located problems found in manifests: which file, line, column and field, what is
//! wrong and what is allowed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::located::Pos;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable identifier of the rule, e.g. `content-too-large`.
    pub code: &'static str,
    pub file: PathBuf,
    pub line: u64,
    pub column: u64,
    /// Field path in the document, e.g. `spec.parameters.file.default`; empty for the
    /// whole file.
    pub path: String,
    pub message: String,
    /// What is allowed, or how to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, file: &Path, pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            file: file.to_path_buf(),
            line: pos.line,
            column: pos.column,
            path: String::new(),
            message: message.into(),
            help: None,
        }
    }

    pub fn warning(code: &'static str, file: &Path, pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, file, pos, message)
        }
    }

    pub fn with_path(mut self, pointer: &str) -> Self {
        self.path = pointer_to_path(pointer);
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// `file:line:col` as editors and terminals link it.
    pub fn location(&self) -> String {
        if self.line == 0 {
            self.file.display().to_string()
        } else {
            format!("{}:{}:{}", self.file.display(), self.line, self.column)
        }
    }

    /// One diagnostic as text, rustc-style:
    /// `error[code]: file:line:col: spec.timeout: message` then `  = help: ...`.
    pub fn render(&self) -> String {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut s = format!("{sev}[{}]: {}: ", self.code, self.location());
        if !self.path.is_empty() {
            let _ = write!(s, "{}: ", self.path);
        }
        s.push_str(&self.message);
        if let Some(h) = &self.help {
            let _ = write!(s, "\n  = help: {h}");
        }
        s
    }
}

/// `/spec/parameters/file` -> `spec.parameters.file`; array indexes become `[0]`.
pub fn pointer_to_path(pointer: &str) -> String {
    let mut out = String::new();
    for seg in pointer.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
            let _ = write!(out, "[{seg}]");
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&seg);
        }
    }
    out
}

/// Up to three names close to `wrong`, for "did you mean" hints.
pub fn suggestions<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let lower = wrong.to_ascii_lowercase();
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(s, _)| *s >= 0.8)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    // Offer the runners-up only when they are about as close as the best.
    let best = scored.first().map_or(0.0, |s| s.0);
    scored
        .into_iter()
        .take_while(|(s, _)| *s >= best - 0.02)
        .take(3)
        .map(|(_, c)| c)
        .collect()
}

/// "did you mean `a`?" / "did you mean one of `a`, `b`?" or None.
pub fn did_you_mean<'a>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let s = suggestions(wrong, candidates);
    match s.as_slice() {
        [] => None,
        [one] => Some(format!("did you mean `{one}`?")),
        many => Some(format!(
            "did you mean one of {}?",
            many.iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(
            pointer_to_path("/spec/targets/instanceIds/2"),
            "spec.targets.instanceIds[2]"
        );
        assert_eq!(pointer_to_path("/metadata/a~1b"), "metadata.a/b");
        assert_eq!(pointer_to_path(""), "");
    }

    #[test]
    fn hints() {
        assert_eq!(
            did_you_mean("workingdir", ["workingDir", "timeout"]).unwrap(),
            "did you mean `workingDir`?"
        );
        assert!(did_you_mean("zzz", ["workingDir"]).is_none());
    }
}
