//! Percent-encoding "PE" of reference §4: RFC 3986 over UTF-8, keeping only `A-Z a-z 0-9 - _ . ~`
//! and writing every other byte as `%XX` with upper-case hex. Both signature versions build
//! their canonical strings with it.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

const PE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// PE(s).
pub fn pe(s: &str) -> String {
    utf8_percent_encode(s, PE_SET).to_string()
}

/// Decodes `application/x-www-form-urlencoded` text (`+` is a space), as the server must for
/// both the query and a form body.
pub fn form_decode(raw: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(raw)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The canonical query string: pairs sorted by name in byte order, `PE(k)=PE(v)` joined by `&`.
pub fn canonical_query<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut pairs: Vec<(&str, &str)> = pairs.into_iter().collect();
    pairs.sort();
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&pe(k));
        out.push('=');
        out.push_str(&pe(v));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pe_keeps_unreserved_and_encodes_the_rest_upper_case() {
        assert_eq!(pe("a b*c/~d+é"), "a%20b%2Ac%2F~d%2B%C3%A9");
        assert_eq!(pe("AZaz09-_.~"), "AZaz09-_.~");
    }

    #[test]
    fn form_decoding_turns_plus_into_space_and_keeps_encoded_plus() {
        let got = form_decode(b"a=echo+hi&b=1%2B1&c=");
        assert_eq!(
            got,
            vec![
                ("a".into(), "echo hi".into()),
                ("b".into(), "1+1".into()),
                ("c".into(), String::new())
            ]
        );
    }
}
