//! List operations as streams that follow the pages to the end.
//!
//! Two paging styles exist (reference §0): `MaxResults` + opaque `NextToken` (current; empty
//! or absent on the last page) and the deprecated `PageNumber` + `PageSize` (pages from 1,
//! ending when `TotalCount` items were seen or a page comes back empty). Streams ask for the
//! largest page each operation allows, so a listing costs as few calls (and as little rate
//! limit) as possible. A server that repeats a `NextToken` would loop forever; that is reported
//! as an error instead.

use std::collections::HashSet;

use futures::{Stream, StreamExt, TryStreamExt, stream};

use super::client::Client;
use super::error::{Error, Result};
use super::ops::{Operation, PageInfo, Paging};

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

/// One page of a list operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub info: PageInfo,
}

/// A list operation the client can stream.
pub trait Paginated: Operation + Clone + Send + Sync + 'static {
    type Item: Send + 'static;
    /// The largest page the operation accepts.
    const MAX_PAGE_SIZE: i64;
    /// Whether the operation takes `PageNumber`/`PageSize`.
    const PAGE_NUMBERS: bool = true;
    /// Whether the operation takes `MaxResults`.
    const MAX_RESULTS: bool = true;

    fn paging_mut(&mut self) -> &mut Paging;
    fn into_page(response: Self::Response) -> Page<Self::Item>;
}

enum State {
    Token {
        token: Option<String>,
        seen: HashSet<String>,
    },
    Number {
        page: i64,
        seen: i64,
    },
    Done,
}

/// Every item of every page of `request`, in order.
pub fn all<O: Paginated>(
    client: Client,
    mut request: O,
    style: PagingStyle,
) -> impl Stream<Item = Result<O::Item>> + Send + 'static {
    let start = request.paging_mut().clone();
    let state = if style == PagingStyle::PageNumber && O::PAGE_NUMBERS {
        State::Number {
            page: start.page_number.unwrap_or(1).max(1),
            seen: 0,
        }
    } else {
        State::Token {
            token: start.next_token,
            seen: HashSet::new(),
        }
    };
    stream::try_unfold((request, state), move |(mut request, state)| {
        let client = client.clone();
        async move {
            match state {
                State::Done => Ok(None),
                State::Token { token, mut seen } => {
                    *request.paging_mut() = Paging {
                        max_results: O::MAX_RESULTS.then_some(O::MAX_PAGE_SIZE),
                        next_token: token,
                        ..Paging::default()
                    };
                    let page = O::into_page(client.call(&request).await?);
                    let next = match page.info.next_token.trim() {
                        "" => State::Done,
                        t if !seen.insert(t.to_owned()) => {
                            return Err(Error::Decode {
                                action: O::ACTION.to_owned(),
                                message: format!(
                                    "the server returned NextToken {t:?} a second time; stopping instead of looping"
                                ),
                            });
                        }
                        t => State::Token {
                            token: Some(t.to_owned()),
                            seen,
                        },
                    };
                    Ok(Some((page.items, (request, next))))
                }
                State::Number { page, seen } => {
                    *request.paging_mut() = Paging {
                        page_number: Some(page),
                        page_size: Some(O::MAX_PAGE_SIZE),
                        ..Paging::default()
                    };
                    let result = O::into_page(client.call(&request).await?);
                    let seen = seen + result.items.len() as i64;
                    let total = result.info.total_count;
                    let next = if result.items.is_empty() || (total > 0 && seen >= total) {
                        State::Done
                    } else {
                        State::Number {
                            page: page + 1,
                            seen,
                        }
                    };
                    Ok(Some((result.items, (request, next))))
                }
            }
        }
    })
    .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
    .try_flatten()
    .boxed()
}
