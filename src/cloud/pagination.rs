//! List operations followed to the end, by one algorithm: [`all`] collects a listing and
//! [`items`] streams it, both walking the pages the same way and counting every page they
//! ask for in an optional [`Reads`].
//!
//! Two paging styles exist (reference §0): `MaxResults` + opaque `NextToken` (current; empty
//! or absent on the last page) and the deprecated `PageNumber` + `PageSize` (pages from 1,
//! ending when `TotalCount` items were seen or a page comes back empty). Every page asks for
//! the largest size the operation allows, so a listing costs as few calls (and as little rate
//! limit) as possible.
//!
//! A token the service repeats, or one that is blank, is an error naming the action and how
//! many items were read, never the end of the list: following it would loop, and stopping
//! would hand back a list cut short, which for the tasks a stack owns would make a `once`
//! script run again.
//!
//! The walk needs one thing from a client, [`Caller::call`], so this module sits below the
//! client rather than beside it, and its tests page through a fake.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures::{Stream, StreamExt, TryStreamExt, stream};

use super::error::{Error, Result};
use super::ops::{Operation, Paging};

pub use super::ops::{Page, Paginated};

/// How list streams walk the pages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PagingStyle {
    /// `MaxResults` + `NextToken`.
    #[default]
    NextToken,
    /// `PageNumber` + `PageSize`, for servers that do not hand out tokens. Operations that
    /// only page by token (ListTagResources) use tokens regardless.
    PageNumber,
}

/// Makes one API call: all the pages need from a client.
pub trait Caller: Send + Sync {
    fn call<O: Operation + Sync>(&self, op: &O)
    -> impl Future<Output = Result<O::Response>> + Send;
}

/// Counts API reads: one per page requested, whether or not the call succeeds. Cheap to
/// clone; clones share the count, so one counter can follow a plan across regions.
#[derive(Debug, Default, Clone)]
pub struct Reads(Arc<AtomicU64>);

impl Reads {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Counts one read made outside a listing (a single-page describe).
    pub(crate) fn add(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// Every item `request` lists, in order: NextToken followed at the operation's largest page
/// size, one read counted in `reads` per page. Tokens, not page numbers, whatever the client
/// is configured with: only a token lets a list that changes between pages be told from a
/// complete one.
pub async fn all<C: Caller, O: Paginated>(
    client: &C,
    request: O,
    reads: &Reads,
) -> Result<Vec<O::Item>> {
    let mut walk = Walk::new(request, PagingStyle::NextToken, Some(reads.clone()));
    let mut out = Vec::new();
    while let Some(items) = walk.next_page(client).await? {
        out.extend(items);
    }
    Ok(out)
}

/// Every item `request` lists, as a stream that asks for each page when the previous one is
/// used up, in `style`, counting each page in `reads` when given. An error ends the stream.
pub fn items<C, O>(
    client: C,
    request: O,
    style: PagingStyle,
    reads: Option<Reads>,
) -> impl Stream<Item = Result<O::Item>> + Send + 'static
where
    C: Caller + 'static,
    O: Paginated,
{
    stream::try_unfold(
        (client, Walk::new(request, style, reads)),
        |(client, mut walk)| async move {
            let page = walk.next_page(&client).await?;
            Ok(page.map(|items| (items, (client, walk))))
        },
    )
    .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
    .try_flatten()
    .boxed()
}

/// Where a listing is: the request (its paging rewritten per page), the next page to ask
/// for, and what was read so far.
struct Walk<O> {
    request: O,
    next: Next,
    items_read: usize,
    reads: Option<Reads>,
}

enum Next {
    Token {
        token: Option<String>,
        /// Every token sent so far: one coming back again means a loop.
        sent: HashSet<String>,
    },
    Number {
        page: i64,
        seen: i64,
    },
    Done,
}

impl<O: Paginated> Walk<O> {
    /// Starts where `request` says (its own NextToken or PageNumber), else at the first page.
    fn new(mut request: O, style: PagingStyle, reads: Option<Reads>) -> Self {
        let start = request.paging_mut().clone();
        let next = if style == PagingStyle::PageNumber && O::PAGE_NUMBERS {
            Next::Number {
                page: start.page_number.unwrap_or(1).max(1),
                seen: 0,
            }
        } else {
            Next::Token {
                token: start.next_token,
                sent: HashSet::new(),
            }
        };
        Self {
            request,
            next,
            items_read: 0,
            reads,
        }
    }

    /// The items of the next page, or `None` once the list has ended.
    async fn next_page<C: Caller>(&mut self, client: &C) -> Result<Option<Vec<O::Item>>> {
        let paging = match &mut self.next {
            Next::Done => return Ok(None),
            Next::Token { token, sent } => {
                if let Some(t) = token {
                    sent.insert(t.clone());
                }
                Paging {
                    max_results: O::MAX_RESULTS.then_some(O::MAX_PAGE_SIZE),
                    next_token: token.clone(),
                    ..Paging::default()
                }
            }
            Next::Number { page, .. } => Paging {
                page_number: Some(*page),
                page_size: Some(O::MAX_PAGE_SIZE),
                ..Paging::default()
            },
        };
        *self.request.paging_mut() = paging;
        if let Some(reads) = &self.reads {
            reads.add();
        }
        let page = O::into_page(client.call(&self.request).await?);
        self.items_read += page.items.len();
        self.next = match std::mem::replace(&mut self.next, Next::Done) {
            Next::Token { sent, .. } => self.after_token(&page.info.next_token, sent)?,
            Next::Number { page: number, seen } => {
                let seen = seen + page.items.len() as i64;
                let total = page.info.total_count;
                if page.items.is_empty() || (total > 0 && seen >= total) {
                    Next::Done
                } else {
                    Next::Number {
                        page: number + 1,
                        seen,
                    }
                }
            }
            Next::Done => Next::Done,
        };
        Ok(Some(page.items))
    }

    fn after_token(&self, token: &str, sent: HashSet<String>) -> Result<Next> {
        if token.is_empty() {
            return Ok(Next::Done);
        }
        let problem = if token.trim().is_empty() {
            format!("a blank NextToken {token:?}")
        } else if sent.contains(token) {
            format!("the NextToken {token:?} twice")
        } else {
            return Ok(Next::Token {
                token: Some(token.to_owned()),
                sent,
            });
        };
        Err(Error::Decode {
            action: O::ACTION.to_owned(),
            message: format!(
                "the service returned {problem} after {} items; the list would be incomplete, so it is not used",
                self.items_read
            ),
        })
    }
}

#[cfg(test)]
mod tests;
