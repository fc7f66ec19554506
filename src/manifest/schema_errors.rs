//! Turns JSON Schema validation errors into located diagnostics a person can act on:
//! unknown fields with "did you mean", wrong types with the expected type, enums with
//! their allowed values, and `anyOf` failures explained by their closest alternative.

use jsonschema::error::{ValidationError, ValidationErrorKind};
use serde_json::Value;

use super::diagnostic::{Diagnostic, did_you_mean};
use super::load::RawDocument;
use super::schema::SCHEMAS;

/// Validates a document of `kind` against its schema and reports every problem.
pub fn check(kind: &str, doc: &RawDocument, diags: &mut Vec<Diagnostic>) -> bool {
    let Some(v) = SCHEMAS.validator(kind) else {
        return false;
    };
    let before = diags.len();
    for e in v.iter_errors(&doc.value) {
        report(kind, doc, &e, diags);
    }
    diags.len() == before
}

fn report(kind: &str, doc: &RawDocument, e: &ValidationError<'_>, diags: &mut Vec<Diagnostic>) {
    let ptr = e.instance_path().as_str().to_string();
    let at = |p: &str| doc.positions.value(p);
    let file = &doc.file;
    let d = match e.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            for name in unexpected {
                let child = format!("{ptr}/{}", super::located::escape(name));
                let allowed = SCHEMAS.properties_at(kind, &ptr);
                let mut help = did_you_mean(name, allowed.iter().map(String::as_str))
                    .map(|s| format!("{s} "))
                    .unwrap_or_default();
                help.push_str(&format!(
                    "allowed fields here: {}",
                    allowed
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                diags.push(
                    Diagnostic::error(
                        "unknown-field",
                        file,
                        doc.positions.key(&child),
                        format!("unknown field `{name}`"),
                    )
                    .with_path(&child)
                    .with_help(help),
                );
            }
            return;
        }
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            Diagnostic::error(
                "missing-field",
                file,
                at(&ptr),
                format!("missing required field `{name}`"),
            )
            .with_path(&ptr)
        }
        ValidationErrorKind::Type { kind: expected } => Diagnostic::error(
            "wrong-type",
            file,
            at(&ptr),
            format!(
                "expected {}, found {}",
                type_words(expected),
                describe(e.instance())
            ),
        )
        .with_path(&ptr),
        ValidationErrorKind::Enum { options } => {
            let allowed: Vec<String> = options
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|o| o.as_str().map_or(o.to_string(), str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            let found = e
                .instance()
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| e.instance().to_string());
            let mut help = did_you_mean(&found, allowed.iter().map(String::as_str))
                .map(|s| format!("{s} "))
                .unwrap_or_default();
            help.push_str(&format!(
                "allowed: {}",
                allowed
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            Diagnostic::error(
                "invalid-value",
                file,
                at(&ptr),
                format!("`{found}` is not allowed"),
            )
            .with_path(&ptr)
            .with_help(help)
        }
        ValidationErrorKind::Constant { expected_value } => Diagnostic::error(
            "invalid-value",
            file,
            at(&ptr),
            format!(
                "expected {expected_value}, found {}",
                describe(e.instance())
            ),
        )
        .with_path(&ptr),
        // The stack rule explains a bad stack name better (the character, a suggested
        // spelling), so the schema's pattern, there for editors, stays quiet here.
        ValidationErrorKind::Pattern { .. } if kind == "Stack" && ptr == "/metadata/name" => {
            return;
        }
        ValidationErrorKind::Pattern { pattern } => Diagnostic::error(
            "invalid-value",
            file,
            at(&ptr),
            format!("{} does not have the expected form", describe(e.instance())),
        )
        .with_path(&ptr)
        .with_help(format!("it must match the pattern {pattern}")),
        ValidationErrorKind::Minimum { limit }
        | ValidationErrorKind::ExclusiveMinimum { limit } => Diagnostic::error(
            "out-of-range",
            file,
            at(&ptr),
            format!("{} is below the minimum {limit}", e.instance()),
        )
        .with_path(&ptr),
        ValidationErrorKind::Maximum { limit }
        | ValidationErrorKind::ExclusiveMaximum { limit } => Diagnostic::error(
            "out-of-range",
            file,
            at(&ptr),
            format!("{} is above the maximum {limit}", e.instance()),
        )
        .with_path(&ptr),
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            // Explain the alternative that got furthest: the one whose errors lie
            // deepest, then the one with the fewest errors.
            let best = context.iter().filter(|c| !c.is_empty()).max_by_key(|c| {
                let depth = c
                    .iter()
                    .map(|e| e.instance_path().as_str().len())
                    .max()
                    .unwrap_or(0);
                (depth, usize::MAX - c.len())
            });
            let deeper = best.is_some_and(|c| {
                c.iter()
                    .any(|e| e.instance_path().as_str().len() > ptr.len())
            });
            if let (true, Some(c)) = (deeper, best) {
                for inner in c {
                    report(kind, doc, inner, diags);
                }
                return;
            }
            Diagnostic::error(
                "invalid-value",
                file,
                at(&ptr),
                format!("{} is not a valid value here", describe(e.instance())),
            )
            .with_path(&ptr)
            .with_help(alternatives_help(&ptr))
        }
        _ => Diagnostic::error("invalid-value", file, at(&ptr), e.to_string()).with_path(&ptr),
    };
    diags.push(d);
}

fn alternatives_help(ptr: &str) -> String {
    if ptr.ends_with("/schedule") {
        "use `once`, `nextBoot`, `everyBoot`, `{rate: 5m}`, `{at: \"2026-12-01T02:00:00\", timezone: Asia/Shanghai}` or `{cron: \"0 0 2 ? * *\", timezone: Asia/Shanghai}`".into()
    } else if ptr.contains("/parameters/") {
        "a parameter value is a string, number or boolean, or `{fromEnv: VARIABLE}`".into()
    } else {
        "see docs/manifest-reference.md for the allowed forms".into()
    }
}

fn type_words(expected: &jsonschema::error::TypeKind) -> String {
    use jsonschema::error::TypeKind;
    let names: Vec<String> = match expected {
        TypeKind::Single(t) => vec![t.to_string()],
        TypeKind::Multiple(set) => set.iter().map(|t| t.to_string()).collect(),
    };
    // Optional fields admit null; saying so would only confuse.
    let words: Vec<&str> = names
        .iter()
        .filter(|n| *n != "null" || names.len() == 1)
        .map(|n| match n.as_str() {
            "object" => "a mapping",
            "array" => "a list",
            "string" => "a string",
            "integer" => "an integer",
            "number" => "a number",
            "boolean" => "true or false",
            _ => "nothing (null)",
        })
        .collect();
    words.join(" or ")
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "nothing (null)".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string \"{}\"", s.chars().take(60).collect::<String>()),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
    }
}
