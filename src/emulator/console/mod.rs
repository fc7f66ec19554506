//! A read-only web console at `/console/` on the emulator's port: the commands of a region
//! (the ECS console's "My Commands"), its tasks with each instance's status, exit code and
//! output, one task's page, and the instances. Server-rendered HTML with inline CSS; a page
//! that shows a run still in progress reloads itself every few seconds.
//!
//! There is no login: the emulator is meant for loopback, and the console shows nothing the
//! API's own answers would not (never an access key secret). Pages read the store in one read
//! transaction each ([`load`]), then render ([`pages`]) through one escaping helper ([`html`]).

pub mod html;
pub mod load;
pub mod pages;
pub mod text;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rusqlite::Connection;
use serde::Deserialize;

use super::inventory::Inventory;
use super::state::AppState;

/// The console's routes, GET only (axum answers 405 to anything else).
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/console", get(overview))
        .route("/console/", get(overview))
        .route("/console/commands", get(commands))
        .route("/console/invocations", get(invocations))
        .route("/console/invocations/{invoke_id}", get(invocation))
        .route("/console/instances", get(instances))
}

/// Query parameters of the region pages.
#[derive(Debug, Deserialize)]
struct RegionQuery {
    region: Option<String>,
    page: Option<u32>,
}

/// Why a page could not be shown.
enum Failure {
    NotFound(String),
    Store(rusqlite::Error),
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Self {
        Failure::Store(e)
    }
}

/// Loads and renders a page off the async threads.
async fn render<F>(state: Arc<AppState>, f: F) -> Response
where
    F: FnOnce(&Connection, &Inventory) -> Result<String, Failure> + Send + 'static,
{
    let task = tokio::task::spawn_blocking(move || {
        let (status, body) = match read(&state, f) {
            Ok(body) => (StatusCode::OK, body),
            Err(Failure::NotFound(msg)) => (
                StatusCode::NOT_FOUND,
                pages::problem(&state.inventory, "Not found", &msg),
            ),
            Err(Failure::Store(e)) => {
                tracing::error!(error = %e, "console: reading the store");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    pages::problem(
                        &state.inventory,
                        "Store error",
                        &format!("Reading the state failed: {e}"),
                    ),
                )
            }
        };
        html_response(status, body)
    });
    task.await.unwrap_or_else(|e| {
        html_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            html::esc(&format!("console task: {e}")),
        )
    })
}

/// Runs `f` in one read transaction, so a page is one consistent snapshot. Uses the
/// read-only connection when the state is a file, so a page never waits for a write's fsync.
fn read<F>(state: &AppState, f: F) -> Result<String, Failure>
where
    F: FnOnce(&Connection, &Inventory) -> Result<String, Failure>,
{
    match &state.reader {
        Some(reader) => {
            let mut conn = reader.lock().unwrap_or_else(|e| e.into_inner());
            let tx = conn.transaction()?;
            f(&tx, &state.inventory)
        }
        None => {
            let mut store = state.store.lock().unwrap_or_else(|e| e.into_inner());
            let tx = store.conn().transaction()?;
            f(&tx, &state.inventory)
        }
    }
}

fn html_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // Pages show live state; a cached one would hide a finished run.
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// The region asked for, or the account's first; an unknown one is not found.
fn region_of(inv: &Inventory, asked: Option<String>) -> Result<String, Failure> {
    match asked {
        None => Ok(inv.regions[0].clone()),
        Some(r) if inv.regions.contains(&r) => Ok(r),
        Some(r) => Err(Failure::NotFound(format!(
            "Region {r:?} is not one of the account's regions ({}).",
            inv.regions.join(", ")
        ))),
    }
}

async fn overview(State(state): State<Arc<AppState>>) -> Response {
    render(state, |conn, inv| {
        Ok(pages::overview(inv, &load::overview(conn, inv)?))
    })
    .await
}

async fn commands(State(state): State<Arc<AppState>>, Query(q): Query<RegionQuery>) -> Response {
    render(state, move |conn, inv| {
        let region = region_of(inv, q.region)?;
        let listing = load::commands(conn, &region, q.page.unwrap_or(1))?;
        Ok(pages::commands(&region, &inv.regions, &listing))
    })
    .await
}

async fn invocations(State(state): State<Arc<AppState>>, Query(q): Query<RegionQuery>) -> Response {
    render(state, move |conn, inv| {
        let region = region_of(inv, q.region)?;
        let listing = load::invocations(conn, &region, q.page.unwrap_or(1))?;
        Ok(pages::invocations(inv, &region, &listing))
    })
    .await
}

async fn invocation(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    render(state, move |conn, inv| {
        match load::invocation(conn, inv, &id)? {
            Some(task) => Ok(pages::invocation(inv, &task)),
            None => Err(Failure::NotFound(format!(
                "No task {id} in any region of the account."
            ))),
        }
    })
    .await
}

async fn instances(State(state): State<Arc<AppState>>, Query(q): Query<RegionQuery>) -> Response {
    render(state, move |conn, inv| {
        let region = region_of(inv, q.region)?;
        let list = load::instances(conn, inv, &region)?;
        Ok(pages::instances(inv, &region, &list))
    })
    .await
}
