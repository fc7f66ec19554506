//! Custom parameter values of InvokeCommand, RunCommand and ModifyInvocationAttribute: the
//! `Parameters` map checked against the command's parameter names, and the content limit on
//! the content with the values filled in.

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::domain::limits;
use crate::domain::params::{PlaceholderKind, substitute};
use crate::emulator::errors::{ApiError, Code};
use crate::emulator::service::common;
use crate::emulator::wire::Params;

/// The `Parameters` JSON object, checked against the command's parameter names. Names left
/// out become "" at run time; a command with parameters given no values at all is
/// `Parameter.MissingValue` (the reference: keys must be a non-empty subset).
pub fn parameter_values(
    p: &Params,
    enable: bool,
    names: &[String],
) -> Result<Map<String, Value>, ApiError> {
    let given = match p.get("Parameters") {
        None => Map::new(),
        Some(raw) => match serde_json::from_str::<Value>(raw) {
            Ok(Value::Object(m)) => m,
            _ => {
                return Err(ApiError::new(
                    Code::InvalidParameterParameters,
                    "Parameters must be a JSON object of parameter names to string values, e.g. {\"name\":\"value\"}.",
                ));
            }
        },
    };
    check_parameter_map(&given, enable, names, Code::ParameterCountExceedLimit)?;
    if enable && !names.is_empty() && given.is_empty() {
        return Err(ApiError::new(
            Code::ParameterMissingValue,
            format!(
                "The command defines the parameters {} and Parameters gives none of them.",
                names.join(", ")
            ),
        ));
    }
    Ok(given)
}

pub fn check_parameter_map(
    given: &Map<String, Value>,
    enable: bool,
    names: &[String],
    too_many: Code,
) -> Result<(), ApiError> {
    if !given.is_empty() && !enable {
        return Err(ApiError::new(
            Code::ParameterDisabled,
            "Parameters were given but the command has EnableParameter=false.",
        ));
    }
    if given.len() > limits::MAX_PARAMETERS_PER_CALL {
        return Err(ApiError::new(
            too_many,
            format!(
                "Parameters has {} keys, over the limit of {}.",
                given.len(),
                limits::MAX_PARAMETERS_PER_CALL
            ),
        ));
    }
    let mut seen = HashSet::new();
    for (k, v) in given {
        if k.len() > limits::MAX_PARAMETER_NAME_BYTES {
            return Err(ApiError::new(
                Code::ParameterKeyExceedLimit,
                format!(
                    "The parameter key {k:?} is longer than {} bytes.",
                    limits::MAX_PARAMETER_NAME_BYTES
                ),
            ));
        }
        if !v.is_string() {
            return Err(ApiError::new(
                Code::ParameterTypeNotSupported,
                format!("The value of parameter {k:?} must be a string."),
            ));
        }
        if !seen.insert(k.to_ascii_lowercase()) {
            return Err(ApiError::new(
                Code::ParameterKeyDuplicate,
                format!("The parameter {k:?} is given twice (names are case-insensitive)."),
            ));
        }
        if !names.iter().any(|n| n.eq_ignore_ascii_case(k)) {
            return Err(ApiError::new(
                Code::ParameterNotMatched,
                format!(
                    "The parameter {k:?} is not defined in the command; it defines {}.",
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                ),
            ));
        }
    }
    Ok(())
}

/// The content limit applies to the content with the parameter values filled in.
pub fn check_expanded_size(
    text: &str,
    values: &Map<String, Value>,
    max: usize,
) -> Result<(), ApiError> {
    if values.is_empty() {
        return common::check_base64_size(base64_len(text.len()), max, Code::CmdContentExceedLimit);
    }
    let expanded = substitute(text, |kind| match kind {
        PlaceholderKind::Custom(n) => Some(
            values
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .and_then(|(_, v)| v.as_str())
                .unwrap_or("")
                .to_string(),
        ),
        PlaceholderKind::Builtin(b) => Some(format!("{{{{ACS::{}}}}}", b.name())),
        PlaceholderKind::UnknownBuiltin(n) => Some(format!("{{{{ACS::{n}}}}}")),
        _ => Some(String::new()),
    })
    .unwrap_or_else(|_| text.to_string());
    common::check_base64_size(base64_len(expanded.len()), max, Code::CmdContentExceedLimit)
}

fn base64_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}
