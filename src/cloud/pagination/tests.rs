use std::sync::{Arc, Mutex};

use futures::TryStreamExt;
use serde_json::{Value, json};

use super::*;
use crate::cloud::ops::{DescribeInvocationsRequest, ListTagResourcesRequest, Params};

type Reply = dyn Fn(&Params, usize) -> Result<Value> + Send + Sync;

/// A service answering the `n`th call with `reply(params, n)`, remembering what was sent.
#[derive(Clone)]
struct Fake {
    reply: Arc<Reply>,
    sent: Arc<Mutex<Vec<Params>>>,
}

impl Fake {
    fn new(reply: impl Fn(&Params, usize) -> Result<Value> + Send + Sync + 'static) -> Self {
        Self {
            reply: Arc::new(reply),
            sent: Arc::default(),
        }
    }

    /// DescribeInvocations pages of one task each, `t-{n}`, whose NextTokens are `tokens`.
    fn tasks(tokens: &'static [&'static str]) -> Self {
        Self::new(move |_, n| {
            Ok(json!({
                "RequestId": format!("R-{n}"),
                "NextToken": tokens.get(n).copied().unwrap_or(""),
                "Invocations": {"Invocation": [{"InvokeId": format!("t-{n}")}]},
            }))
        })
    }

    fn sent(&self, name: &str) -> Vec<Option<String>> {
        self.sent
            .lock()
            .unwrap()
            .iter()
            .map(|p| p.get(name).map(str::to_owned))
            .collect()
    }

    fn calls(&self) -> usize {
        self.sent.lock().unwrap().len()
    }
}

impl Caller for Fake {
    fn call<O: Operation + Sync>(
        &self,
        op: &O,
    ) -> impl Future<Output = Result<O::Response>> + Send {
        let mut params = Params::new();
        op.write_params(&mut params);
        let answer = {
            let mut sent = self.sent.lock().unwrap();
            let answer = (self.reply)(&params, sent.len());
            sent.push(params);
            answer
        };
        let response = answer.and_then(|body| {
            serde_json::from_value(body).map_err(|e| Error::Decode {
                action: O::ACTION.to_owned(),
                message: e.to_string(),
            })
        });
        async move { response }
    }
}

fn ids(items: &[crate::cloud::ops::Invocation]) -> Vec<&str> {
    items.iter().map(|i| i.invoke_id.as_str()).collect()
}

#[tokio::test]
async fn all_follows_next_token_at_the_largest_page_counting_each_read() {
    let fake = Fake::tasks(&["tok-1", "tok-2", ""]);
    let reads = Reads::default();
    let items = all(&fake, DescribeInvocationsRequest::default(), &reads)
        .await
        .unwrap();
    assert_eq!(ids(&items), ["t-0", "t-1", "t-2"]);
    assert_eq!(reads.get(), 3);
    assert_eq!(
        fake.sent("NextToken"),
        [None, Some("tok-1".into()), Some("tok-2".into())]
    );
    assert_eq!(fake.sent("MaxResults"), vec![Some("50".to_owned()); 3]);
    assert_eq!(fake.sent("PageNumber"), [None, None, None]);
}

#[tokio::test]
async fn a_repeated_token_is_an_error_naming_the_action_and_the_items_read() {
    let fake = Fake::tasks(&["tok-1", "tok-1", "tok-3", ""]);
    let reads = Reads::default();
    let err = all(&fake, DescribeInvocationsRequest::default(), &reads)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("DescribeInvocations")
            && msg.contains("NextToken \"tok-1\" twice after 2 items")
            && msg.contains("incomplete"),
        "{msg}"
    );
    // Stops at the repeat: the third page is never asked for.
    assert_eq!(fake.calls(), 2);
    assert_eq!(reads.get(), 2);
}

#[tokio::test]
async fn a_token_coming_back_later_is_caught_too() {
    let fake = Fake::tasks(&["a", "b", "a", ""]);
    let err = all(
        &fake,
        DescribeInvocationsRequest::default(),
        &Reads::default(),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string().contains("\"a\" twice after 3 items"),
        "{err}"
    );
    assert_eq!(fake.calls(), 3);
}

#[tokio::test]
async fn the_token_a_request_starts_from_coming_back_is_an_error() {
    let fake = Fake::tasks(&["start"]);
    let mut request = DescribeInvocationsRequest::default();
    request.paging.next_token = Some("start".into());
    let err = all(&fake, request, &Reads::default()).await.unwrap_err();
    assert!(err.to_string().contains("\"start\" twice"), "{err}");
    assert_eq!(fake.sent("NextToken"), [Some("start".to_owned())]);
}

#[tokio::test]
async fn a_blank_token_is_an_error_not_the_end_of_the_list() {
    let fake = Fake::tasks(&["tok-1", "  "]);
    let err = all(
        &fake,
        DescribeInvocationsRequest::default(),
        &Reads::default(),
    )
    .await
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("DescribeInvocations")
            && msg.contains("blank NextToken")
            && msg.contains("after 2 items"),
        "{msg}"
    );
}

#[tokio::test]
async fn a_failed_page_is_counted_and_fails_the_list() {
    let fake = Fake::new(|_, n| {
        if n == 1 {
            return Err(Error::Config("refused".into()));
        }
        Ok(json!({"NextToken": format!("tok-{}", n + 1), "Invocations": {"Invocation": []}}))
    });
    let reads = Reads::default();
    let err = all(&fake, DescribeInvocationsRequest::default(), &reads)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert_eq!(reads.get(), 2);
}

#[tokio::test]
async fn operations_without_max_results_page_by_token_alone() {
    let fake = Fake::new(|_, n| {
        Ok(json!({
            "NextToken": if n == 0 { "tok-1" } else { "" },
            "TagResources": {"TagResource": [{"ResourceId": format!("c-{n}")}]},
        }))
    });
    let items = all(&fake, ListTagResourcesRequest::default(), &Reads::default())
        .await
        .unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(fake.sent("MaxResults"), [None, None]);
    assert_eq!(fake.sent("NextToken"), [None, Some("tok-1".to_owned())]);
}

#[tokio::test]
async fn items_streams_the_same_walk_and_counts_in_either_style() {
    let by_token = Fake::tasks(&["tok-1", ""]);
    let reads = Reads::default();
    let got: Vec<_> = items(
        by_token.clone(),
        DescribeInvocationsRequest::default(),
        PagingStyle::NextToken,
        Some(reads.clone()),
    )
    .try_collect()
    .await
    .unwrap();
    assert_eq!(ids(&got), ["t-0", "t-1"]);
    assert_eq!(reads.get(), 2);

    // Pages of one item out of three: the walk ends when TotalCount items were seen.
    let by_number = Fake::new(|p, _| {
        let page: usize = p.get("PageNumber").unwrap().parse().unwrap();
        Ok(json!({
            "TotalCount": 3,
            "Invocations": {"Invocation": [{"InvokeId": format!("t-{page}")}]},
        }))
    });
    let got: Vec<_> = items(
        by_number.clone(),
        DescribeInvocationsRequest::default(),
        PagingStyle::PageNumber,
        Some(reads.clone()),
    )
    .try_collect()
    .await
    .unwrap();
    assert_eq!(ids(&got), ["t-1", "t-2", "t-3"]);
    assert_eq!(reads.get(), 5, "the counter is shared by its clones");
    assert_eq!(by_number.sent("PageSize"), vec![Some("50".to_owned()); 3]);
    assert_eq!(by_number.sent("NextToken"), [None, None, None]);
}

#[tokio::test]
async fn the_stream_ends_with_the_error_without_the_repeated_page() {
    let fake = Fake::tasks(&["same", "same"]);
    let got: Vec<_> = futures::StreamExt::collect(items(
        fake.clone(),
        DescribeInvocationsRequest::default(),
        PagingStyle::NextToken,
        None,
    ))
    .await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].as_ref().unwrap().invoke_id, "t-0");
    assert!(matches!(got[1], Err(Error::Decode { .. })));
    assert_eq!(fake.calls(), 2);
}
