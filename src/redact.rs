//! Secret values out of free text that assistctl did not write itself: a script's output
//! and the messages the service sends back (an error may echo a parameter value).
//!
//! Plans are not redacted here: a plan never holds a secret value, by construction. A
//! `fromEnv` parameter is carried as the variable's name, and a live value the manifests
//! do not give literally is shown as [`MASK`] where it is placed (the parameter that holds
//! it). Replacing substrings of a plan would corrupt it: a secret `x` would turn a
//! parameter named `max_lag` into `ma****_lag` in what apply sends.
//!
//! In free text a value is masked where it stands as a word of its own (not inside a longer
//! run of letters, digits or `_`), so a short or common value (`x`, `monitor`) does not
//! mangle the text around it; a value of [`ANYWHERE_LEN`] characters or more is masked
//! wherever it occurs, since it cannot be there by chance.

use std::collections::BTreeMap;

/// What a secret value is replaced with.
pub const MASK: &str = "****";

/// From this length on a secret value is masked even inside a longer word.
pub const ANYWHERE_LEN: usize = 8;

/// Known secret values by where they came from (e.g. the environment variable's name).
/// Only the values are secret; the names are never searched for.
pub type Secrets = BTreeMap<String, String>;

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `text` with the secret values in it replaced by [`MASK`] (see the module doc for where).
/// Where values overlap the longest match wins. Empty values are ignored.
pub fn redact(text: &str, secrets: &Secrets) -> String {
    let mut values: Vec<&str> = secrets
        .values()
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .collect();
    if values.is_empty() {
        return text.to_string();
    }
    values.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    values.dedup();
    let mut out = String::with_capacity(text.len());
    let mut prev: Option<char> = None;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let hit = values.iter().find(|v| {
            if !rest.starts_with(**v) {
                return false;
            }
            if v.chars().count() >= ANYWHERE_LEN {
                return true;
            }
            let first = v.chars().next().is_some_and(is_word);
            let last = v.chars().next_back().is_some_and(is_word);
            let before = prev.is_some_and(is_word);
            let after = rest[v.len()..].chars().next().is_some_and(is_word);
            !((first && before) || (last && after))
        });
        match hit {
            Some(v) => {
                out.push_str(MASK);
                prev = v.chars().next_back();
                rest = &rest[v.len()..];
            }
            None => {
                out.push(c);
                prev = Some(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(values: &[&str]) -> Secrets {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("S{i}"), v.to_string()))
            .collect()
    }

    #[test]
    fn words_are_masked_longest_first() {
        let s = secrets(&["abc", "abc def", ""]);
        assert_eq!(redact("x abc def abc ab", &s), "x **** **** ab");
        assert_eq!(redact("pass=abc;", &s), "pass=****;");
        assert_eq!(redact("nothing", &Secrets::new()), "nothing");
    }

    #[test]
    fn a_short_value_inside_a_word_is_left_alone() {
        let s = secrets(&["x", "monitor"]);
        assert_eq!(
            redact("exit 1; max_lag x monitoring monitor", &s),
            "exit 1; max_lag **** monitoring ****"
        );
    }

    #[test]
    fn a_long_value_is_masked_anywhere() {
        let s = secrets(&["s3cr3tValue"]);
        assert_eq!(redact("tok=xs3cr3tValuex", &s), "tok=x****x");
    }

    #[test]
    fn names_are_not_secret() {
        assert_eq!(redact("S0 value", &secrets(&["value"])), "S0 ****");
    }

    #[test]
    fn punctuation_values_are_masked_where_they_stand() {
        assert_eq!(redact("a|b `|` c", &secrets(&["|"])), "a****b `****` c");
    }
}
