//! The Cloud Assistant client: one async method per operation, streams for the list
//! operations (walked by `pagination.rs`), and the retry loop around one attempt
//! (`transport.rs`).

use std::future::Future;
use std::sync::Arc;

use futures::Stream;
use tokio::time::Instant;

use super::config::ClientConfig;
use super::endpoint::{Endpoint, validate_region};
use super::error::{Error, Result};
use super::ops::*;
use super::pagination::{self, Caller, Reads};
use super::retry::{Decision, Failures};
use super::transport::Transport;

/// A client for one region. Cheap to clone; clones share connections, the rate limiter and the
/// in-flight bound.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: ClientConfig,
    transport: Transport,
}

impl Client {
    pub(crate) fn new(config: ClientConfig, transport: Transport) -> Self {
        Self {
            inner: Arc::new(Inner { config, transport }),
        }
    }

    pub fn region(&self) -> &str {
        &self.inner.transport.region
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.inner.transport.endpoint
    }

    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The same client for another region: shared credentials, connections, rate limiter
    /// (which counts per region) and in-flight bound. An explicit endpoint stays; otherwise the
    /// new region's endpoint is used.
    pub fn with_region(&self, region: &str) -> Result<Client> {
        validate_region(region)?;
        let endpoint = match &self.inner.config.endpoint {
            Some(_) => self.endpoint().clone(),
            None => Endpoint::for_region(region)?,
        };
        let mut config = self.inner.config.clone();
        config.region = Some(region.to_owned());
        let transport = self.inner.transport.for_region(region, endpoint);
        Ok(Self::new(config, transport))
    }

    /// A fresh ClientToken, for callers that derive none themselves.
    pub fn new_client_token(&self) -> String {
        self.inner.transport.entropy.client_token()
    }

    /// Calls any operation, retrying per the client's [`RetryConfig`](super::retry::RetryConfig).
    /// Every attempt is signed anew. Answers feed the region's adaptive rate: throttling slows
    /// every caller of the region down, successes speed it up again.
    pub async fn call<O: Operation>(&self, op: &O) -> Result<O::Response> {
        let transport = &self.inner.transport;
        let mut params = Params::new();
        params.put("RegionId", &transport.region);
        op.write_params(&mut params);
        let params = params.into_vec();
        let started = Instant::now();
        let limiter = &transport.limiter;
        let region = &transport.region;
        let mut attempt = 1;
        let mut failures = Failures::default();
        loop {
            let error = match transport.attempt(O::ACTION, &params, attempt).await {
                Ok(value) => {
                    limiter.on_success(region);
                    return serde_json::from_value(value).map_err(|e| Error::Decode {
                        action: O::ACTION.to_owned(),
                        message: e.to_string(),
                    });
                }
                Err(e) => e,
            };
            if error.is_throttling() {
                limiter.on_throttle(region);
            }
            failures.add(&error);
            let decision = self.inner.config.retry.decide(
                failures,
                &error,
                started.elapsed(),
                transport.entropy.unit(),
            );
            match decision {
                Decision::GiveUp => return Err(error),
                Decision::RetryAfter(wait) => {
                    tracing::debug!(action = O::ACTION, region = %region, attempt, wait_ms = wait.as_millis() as u64, code = error.code().unwrap_or(""), "retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }

    /// Every item of a list operation, following the pages in the configured
    /// [`PagingStyle`](super::PagingStyle) (walked by `pagination.rs`).
    pub fn all<O: Paginated>(
        &self,
        request: O,
    ) -> impl Stream<Item = Result<O::Item>> + Send + 'static {
        pagination::items(self.clone(), request, self.inner.config.paging, None)
    }

    /// [`Client::all`], counting every page requested in `reads`.
    pub fn all_counted<O: Paginated>(
        &self,
        request: O,
        reads: &Reads,
    ) -> impl Stream<Item = Result<O::Item>> + Send + 'static {
        pagination::items(
            self.clone(),
            request,
            self.inner.config.paging,
            Some(reads.clone()),
        )
    }

    fn with_token<T: Clone>(
        &self,
        req: &T,
        token: impl FnOnce(&mut T) -> &mut Option<String>,
    ) -> T {
        let mut req = req.clone();
        let slot = token(&mut req);
        if slot.as_deref().is_none_or(str::is_empty) {
            *slot = Some(self.new_client_token());
        }
        req
    }

    // Commands.

    /// CreateCommand. Without a `client_token` one is generated for this call, and reused by
    /// its retries, so a retry never creates a second command.
    pub async fn create_command(
        &self,
        req: &CreateCommandRequest,
    ) -> Result<CreateCommandResponse> {
        self.call(&self.with_token(req, |r| &mut r.client_token))
            .await
    }

    pub async fn modify_command(&self, req: &ModifyCommandRequest) -> Result<EmptyResponse> {
        self.call(req).await
    }

    pub async fn describe_commands(
        &self,
        req: &DescribeCommandsRequest,
    ) -> Result<DescribeCommandsResponse> {
        self.call(req).await
    }

    pub fn describe_commands_all(
        &self,
        req: DescribeCommandsRequest,
    ) -> impl Stream<Item = Result<Command>> + Send + 'static {
        self.all(req)
    }

    pub async fn delete_command(&self, req: &DeleteCommandRequest) -> Result<EmptyResponse> {
        self.call(req).await
    }

    // Invocations.

    /// InvokeCommand; `client_token` as for [`Client::create_command`].
    pub async fn invoke_command(
        &self,
        req: &InvokeCommandRequest,
    ) -> Result<InvokeCommandResponse> {
        self.call(&self.with_token(req, |r| &mut r.client_token))
            .await
    }

    /// RunCommand; `client_token` as for [`Client::create_command`].
    pub async fn run_command(&self, req: &RunCommandRequest) -> Result<RunCommandResponse> {
        self.call(&self.with_token(req, |r| &mut r.client_token))
            .await
    }

    pub async fn modify_invocation_attribute(
        &self,
        req: &ModifyInvocationAttributeRequest,
    ) -> Result<ModifyInvocationAttributeResponse> {
        self.call(req).await
    }

    pub async fn describe_invocations(
        &self,
        req: &DescribeInvocationsRequest,
    ) -> Result<DescribeInvocationsResponse> {
        self.call(req).await
    }

    pub fn describe_invocations_all(
        &self,
        req: DescribeInvocationsRequest,
    ) -> impl Stream<Item = Result<Invocation>> + Send + 'static {
        self.all(req)
    }

    pub async fn describe_invocation_results(
        &self,
        req: &DescribeInvocationResultsRequest,
    ) -> Result<DescribeInvocationResultsResponse> {
        self.call(req).await
    }

    pub fn describe_invocation_results_all(
        &self,
        req: DescribeInvocationResultsRequest,
    ) -> impl Stream<Item = Result<InvocationResult>> + Send + 'static {
        self.all(req)
    }

    pub async fn stop_invocation(&self, req: &StopInvocationRequest) -> Result<EmptyResponse> {
        self.call(req).await
    }

    // Instances.

    pub async fn describe_instances(
        &self,
        req: &DescribeInstancesRequest,
    ) -> Result<DescribeInstancesResponse> {
        self.call(req).await
    }

    pub fn describe_instances_all(
        &self,
        req: DescribeInstancesRequest,
    ) -> impl Stream<Item = Result<Instance>> + Send + 'static {
        self.all(req)
    }

    pub async fn describe_managed_instances(
        &self,
        req: &DescribeManagedInstancesRequest,
    ) -> Result<DescribeManagedInstancesResponse> {
        self.call(req).await
    }

    pub fn describe_managed_instances_all(
        &self,
        req: DescribeManagedInstancesRequest,
    ) -> impl Stream<Item = Result<ManagedInstance>> + Send + 'static {
        self.all(req)
    }

    pub async fn describe_cloud_assistant_status(
        &self,
        req: &DescribeCloudAssistantStatusRequest,
    ) -> Result<DescribeCloudAssistantStatusResponse> {
        self.call(req).await
    }

    pub fn describe_cloud_assistant_status_all(
        &self,
        req: DescribeCloudAssistantStatusRequest,
    ) -> impl Stream<Item = Result<InstanceCloudAssistantStatus>> + Send + 'static {
        self.all(req)
    }

    // Tags.

    pub async fn tag_resources(&self, req: &TagResourcesRequest) -> Result<EmptyResponse> {
        self.call(req).await
    }

    pub async fn untag_resources(&self, req: &UntagResourcesRequest) -> Result<EmptyResponse> {
        self.call(req).await
    }

    pub async fn list_tag_resources(
        &self,
        req: &ListTagResourcesRequest,
    ) -> Result<ListTagResourcesResponse> {
        self.call(req).await
    }

    pub fn list_tag_resources_all(
        &self,
        req: ListTagResourcesRequest,
    ) -> impl Stream<Item = Result<TagResource>> + Send + 'static {
        self.all(req)
    }

    // Regions.

    pub async fn describe_regions(
        &self,
        req: &DescribeRegionsRequest,
    ) -> Result<DescribeRegionsResponse> {
        self.call(req).await
    }

    // Quota.

    pub async fn describe_account_attributes(
        &self,
        req: &DescribeAccountAttributesRequest,
    ) -> Result<DescribeAccountAttributesResponse> {
        self.call(req).await
    }
}

impl Caller for Client {
    fn call<O: Operation + Sync>(
        &self,
        op: &O,
    ) -> impl Future<Output = Result<O::Response>> + Send {
        Client::call(self, op)
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = &self.inner.transport;
        f.debug_struct("Client")
            .field("region", &t.region)
            .field("endpoint", &t.endpoint)
            .field("signature_version", &t.signature_version)
            .field("credentials", &t.credentials.name())
            .finish_non_exhaustive()
    }
}
