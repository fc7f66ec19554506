//! Reading list operations to the end, counting every call: the plan reports how many API
//! reads it made, and the bound on them is part of what assistctl promises.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::cloud::ops::Paging;
use crate::cloud::pagination::Paginated;
use crate::cloud::{Client, Error};

/// Counts the API reads a plan makes.
#[derive(Debug, Default, Clone)]
pub struct Reads(Arc<AtomicU64>);

impl Reads {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    pub(crate) fn add(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// Every item `request` lists, following NextToken at the operation's largest page size,
/// one counted read per page. A token the service repeats is an error, never the end of
/// the list: a list of owned tasks cut short would make a `once` script run again.
pub async fn all<O: Paginated>(
    c: &Client,
    mut request: O,
    reads: &Reads,
) -> Result<Vec<O::Item>, Error> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    let mut seen = std::collections::HashSet::new();
    loop {
        *request.paging_mut() = Paging {
            max_results: O::MAX_RESULTS.then_some(O::MAX_PAGE_SIZE),
            next_token: token.clone(),
            ..Default::default()
        };
        reads.add();
        let page = O::into_page(c.call(&request).await?);
        out.extend(page.items);
        match page.info.next_token.as_str() {
            "" => break,
            t if !seen.insert(t.to_string()) => {
                return Err(Error::Decode {
                    action: O::ACTION.to_string(),
                    message: format!(
                        "the service returned the NextToken {t:?} twice after {} items; the list would be incomplete, so nothing is decided from it",
                        out.len()
                    ),
                });
            }
            t => token = Some(t.to_string()),
        }
    }
    Ok(out)
}
