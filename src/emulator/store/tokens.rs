//! ClientToken records: the first answer to a token, and what the request looked like.

use rusqlite::{Connection, OptionalExtension, params};

/// The fingerprint and answer stored for `(action, token)`.
pub fn get(
    conn: &Connection,
    action: &str,
    token: &str,
) -> rusqlite::Result<Option<(String, String)>> {
    conn.prepare_cached(
        "SELECT fingerprint, response FROM client_tokens WHERE action = ?1 AND token = ?2",
    )?
    .query_row(params![action, token], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
}

pub fn put(
    conn: &Connection,
    action: &str,
    token: &str,
    fingerprint: &str,
    response: &str,
    now: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO client_tokens (action, token, fingerprint, response, creation_time) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![action, token, fingerprint, response, now])?;
    Ok(())
}
