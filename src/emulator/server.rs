//! The HTTP server: the RPC API at `/` (GET or POST) and Prometheus metrics at `/metrics`.
//!
//! A request goes: parse -> Action/Version -> signature -> injected latency and faults (before
//! any state change) -> the operation in one SQLite transaction, committed before the answer
//! -> JSON or XML. One log line per request; secrets are never logged.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use chrono::Utc;

use super::errors::{ApiError, Code};
use super::service::{self, Ctx, Fields};
use super::state::AppState;
use super::wire::response::{Rendered, render_error, render_ok};
use super::wire::{ApiRequest, Params};

/// The only API version of the ECS operations the emulator speaks.
pub const API_VERSION: &str = "2014-05-26";

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", any(api))
        .route("/metrics", get(metrics))
        .route("/_emulator/clock", get(clock).post(advance_clock))
        .merge(super::console::routes())
        .with_state(state)
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

/// `GET /_emulator/clock`: the emulator's time and scale, as JSON.
async fn clock(State(state): State<Arc<AppState>>) -> Response {
    let body = serde_json::json!({
        "now": crate::emulator::service::common::fmt_time(state.clock.now()),
        "timeScale": state.clock.scale(),
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// `POST /_emulator/clock?advance=SECONDS`: moves emulated time forward, so a test sees a
/// schedule fire without waiting for it. Not part of the ECS API.
async fn advance_clock(State(state): State<Arc<AppState>>, uri: Uri) -> Response {
    let secs = uri.query().and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "advance")
            .and_then(|(_, v)| v.parse::<i64>().ok())
    });
    match secs {
        Some(s) if s > 0 => {
            state.clock.advance(chrono::Duration::seconds(s));
            clock(State(state)).await
        }
        _ => (
            StatusCode::BAD_REQUEST,
            "advance=SECONDS (a positive whole number) is required\n",
        )
            .into_response(),
    }
}

async fn api(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let started = Instant::now();
    let request_id = state.ids.request_id();
    let req = ApiRequest::parse(method, uri.query(), headers, body.to_vec());
    let format = req.format();
    let action = req.action().unwrap_or("").to_string();
    let region = req.params.get("RegionId").map(String::from);

    let result = handle(&state, req, &action).await;
    let code = result.as_ref().err().map(|e| e.code.as_str()).unwrap_or("");
    let rendered: Rendered = match result {
        Ok(fields) => render_ok(format, &action, &request_id, fields),
        Err(ref e) => render_error(format, e, &request_id, region.as_deref()),
    };
    let label = if service::is_known(&action) {
        action.as_str()
    } else {
        "unknown"
    };
    let elapsed = started.elapsed();
    state
        .metrics
        .observe(label, rendered.status, code, elapsed.as_secs_f64());
    tracing::info!(
        request_id = %request_id,
        action = %label,
        status = rendered.status,
        code = %code,
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    let mut resp = (
        StatusCode::from_u16(rendered.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        rendered.body,
    )
        .into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(rendered.content_type),
    );
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert("x-acs-request-id", v);
    }
    resp
}

async fn handle(state: &Arc<AppState>, req: ApiRequest, action: &str) -> Result<Fields, ApiError> {
    if action.is_empty() {
        return Err(ApiError::missing("Action"));
    }
    match req.version() {
        None => return Err(ApiError::missing("Version")),
        Some(v) if v != API_VERSION => {
            return Err(ApiError::new(
                Code::InvalidVersion,
                format!(
                    "Specified parameter Version {v:?} is not valid; the ECS API version is {API_VERSION}."
                ),
            ));
        }
        Some(_) => {}
    }
    if !service::is_known(action) {
        return Err(ApiError::new(
            Code::InvalidActionNotFound,
            format!(
                "Specified api {action:?} is not found; the emulator answers {}.",
                service::ACTIONS.join(", ")
            ),
        ));
    }
    state.verifier.verify(&req, Utc::now())?;
    if state.faults.latency_ms() > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(state.faults.latency_ms())).await;
    }
    if let Some(fault) = state.faults.roll() {
        return Err(fault);
    }
    let state = state.clone();
    let params = req.params;
    let action = action.to_string();
    tokio::task::spawn_blocking(move || run_in_transaction(&state, &action, &params))
        .await
        .map_err(|e| ApiError::internal(format!("operation task: {e}")))?
}

/// Runs one operation in a transaction; it is committed (and synced) only on success.
fn run_in_transaction(state: &AppState, action: &str, params: &Params) -> Result<Fields, ApiError> {
    // Taken before the transaction begins, so totals remembered at this generation are
    // never older than what the transaction sees.
    let generation = state.counts.generation();
    if service::is_read_only(action)
        && let Some(reader) = &state.reader
    {
        let mut conn = reader.lock().unwrap_or_else(|e| e.into_inner());
        // One read transaction: every query of the answer sees the same snapshot.
        let tx = conn.transaction()?;
        return run(state, action, params, &tx, generation);
    }
    let mut store = state.store.lock().unwrap_or_else(|e| e.into_inner());
    let tx = store.conn().transaction()?;
    let fields = run(state, action, params, &tx, generation)?;
    tx.commit()?;
    if !service::is_read_only(action) {
        state.counts.bump();
    }
    Ok(fields)
}

fn run(
    state: &AppState,
    action: &str,
    params: &Params,
    db: &rusqlite::Connection,
    generation: u64,
) -> Result<Fields, ApiError> {
    let ctx = Ctx {
        db,
        counts: crate::emulator::store::Counts {
            cache: &state.counts,
            generation,
        },
        config: &state.service,
        inventory: &state.inventory,
        ids: &state.ids,
        now: state.clock.now(),
    };
    service::dispatch(action, params, &ctx)
}
