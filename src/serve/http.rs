//! The preview server's HTTP side: the built files from memory, with the content types
//! clients expect, HEAD as well as GET, the 404 page, an error overlay while the last rebuild
//! failed, and live reload (injected here, never written into the built files).
//!
//! Connections are served by hyper directly rather than `axum::serve`, for what a server left
//! running on a laptop needs (docs/reliability.md, "sitrep serve"): a deadline on reading a
//! request's headers, and a shutdown that does not wait for open live-reload streams.

use std::future::Future;
use std::io;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State as AxumState;
use axum::http::{HeaderValue, Method, Response, StatusCode, Uri, header};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower_livereload::{LiveReloadLayer, Reloader};

use super::State;
use crate::error::Error;

/// How long a client may take to send a request's headers (and, on a kept-alive connection,
/// to start the next request) before the connection is closed.
const HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// How long requests in flight may go on after Ctrl-C. Live-reload streams never end by
/// themselves, so they are cut at this deadline.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);

/// Serves `router` on `listener` until `stop` completes, then lets requests in flight finish
/// for at most [`SHUTDOWN_GRACE`]. The preview never reads a request body (it answers GET and
/// HEAD), so a slow body cannot hold a request either.
pub(crate) async fn serve_until(
    listener: TcpListener,
    router: Router,
    stop: impl Future<Output = ()>,
) -> io::Result<()> {
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT);
    tokio::pin!(stop);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors, say: wait rather than spin or give up.
                    if !is_connection_error(&e) {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let service = TowerToHyperService::new(router.clone());
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A client that goes away mid-request is its own business.
            let _ = connection.await;
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await;
    Ok(())
}

fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

pub(super) fn router(state: State) -> (Router, Reloader) {
    let livereload = LiveReloadLayer::new();
    let reloader = livereload.reloader();
    let router = Router::new()
        .fallback(serve)
        .with_state(state)
        .layer(livereload);
    (router, reloader)
}

async fn serve(AxumState(state): AxumState<State>, method: Method, uri: Uri) -> Response<Body> {
    if method != Method::GET && method != Method::HEAD {
        let mut response = respond(
            &method,
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            "GET or HEAD only\n".into(),
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let shared = state
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let path = uri.path();
    let path = path
        .strip_prefix(shared.base_path.trim_end_matches('/'))
        .filter(|p| p.starts_with('/'))
        .unwrap_or(path);
    let key = file_key(path);
    let error = shared.error.as_deref().map(overlay_text);
    let error = error.as_deref();

    if let Some(bytes) = shared.files.get(&key) {
        let kind = content_type(&key);
        let body = match error {
            Some(error) if kind.starts_with("text/html") => with_overlay(bytes, error).into(),
            _ => bytes.clone(),
        };
        return respond(&method, StatusCode::OK, kind, body);
    }
    if shared.files.contains_key(&format!("{key}/index.html")) {
        let location = folder_location(uri.path());
        let mut response = respond(
            &method,
            StatusCode::MOVED_PERMANENTLY,
            "text/plain; charset=utf-8",
            "".into(),
        );
        if let Ok(value) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(header::LOCATION, value);
        }
        return response;
    }
    if let Some(error) = error
        && shared.files.is_empty()
    {
        // No good build yet: the errors are the page.
        return respond(
            &method,
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/html; charset=utf-8",
            error_page(error).into(),
        );
    }
    let not_found = shared
        .files
        .get("404.html")
        .cloned()
        .unwrap_or_else(|| "Not found\n".into());
    respond(
        &method,
        StatusCode::NOT_FOUND,
        "text/html; charset=utf-8",
        not_found,
    )
}

/// Where a folder's address without its final `/` redirects. Always one leading `/`: `//host`
/// or `/\\host` would send the browser to another site (a protocol-relative URL).
fn folder_location(path: &str) -> String {
    format!("/{}/", path.trim_start_matches(['/', '\\']))
}

/// `/` → `index.html`, `/incidents/x/` → `incidents/x/index.html`.
fn file_key(path: &str) -> String {
    let trimmed = path.trim_start_matches('/');
    if trimmed.is_empty() || trimmed.ends_with('/') {
        format!("{trimmed}index.html")
    } else {
        trimmed.to_string()
    }
}

/// The types Statuspage clients, feed readers and calendars look for.
fn content_type(key: &str) -> &'static str {
    match key.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("atom") => "application/atom+xml; charset=utf-8",
        Some("rss") => "application/rss+xml; charset=utf-8",
        Some("xml") => "application/xml; charset=utf-8",
        Some("ics") => "text/calendar; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("txt") => "text/plain; charset=utf-8",
        _ => mime_guess::from_path(key)
            .first_raw()
            .unwrap_or("application/octet-stream"),
    }
}

fn respond(
    method: &Method,
    status: StatusCode,
    kind: &'static str,
    body: bytes::Bytes,
) -> Response<Body> {
    let length = body.len();
    let body = if *method == Method::HEAD {
        Body::empty()
    } else {
        Body::from(body)
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    // A preview must never show a stale page.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The errors as `sitrep check` prints them: each diagnostic at its file, line and column with
/// the line itself, then the summary; any other error with its chain of causes.
fn overlay_text(error: &Error) -> String {
    match error {
        Error::Content(list) => crate::error::render_diagnostics(list, false),
        other => crate::error::describe(other),
    }
}

/// The last good page with the errors laid over it, so the author sees both.
fn with_overlay(page: &[u8], error: &str) -> Vec<u8> {
    let page = String::from_utf8_lossy(page);
    let overlay = overlay_html(error);
    match page.rfind("</body>") {
        Some(i) => format!("{}{overlay}{}", &page[..i], &page[i..]).into_bytes(),
        None => format!("{page}{overlay}").into_bytes(),
    }
}

fn overlay_html(error: &str) -> String {
    format!(
        concat!(
            r#"<div id="sitrep-error" role="alert" style="position:fixed;inset:0;z-index:2147483647;overflow:auto;"#,
            r#"background:rgba(20,20,20,.94);color:#fff;font:14px/1.5 ui-monospace,monospace;padding:2rem">"#,
            r#"<p style="font:bold 18px system-ui,sans-serif;color:#ff8b8b;margin:0 0 1rem">The last save did not build. "#,
            r#"This is the last good version; fix the file and save to reload.</p><pre style="white-space:pre-wrap;margin:0">{}</pre></div>"#
        ),
        escape(error)
    )
}

fn error_page(error: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Build failed</title></head><body>{}</body></html>",
        overlay_html(error)
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_files() {
        assert_eq!(file_key("/"), "index.html");
        assert_eq!(file_key("/incidents/x/"), "incidents/x/index.html");
        assert_eq!(file_key("/api/v2/summary.json"), "api/v2/summary.json");
    }

    #[test]
    fn folder_redirects_stay_on_this_site() {
        assert_eq!(folder_location("/incidents/x"), "/incidents/x/");
        assert_eq!(folder_location("//evil.example"), "/evil.example/");
        assert_eq!(folder_location("/\\evil.example"), "/evil.example/");
        assert_eq!(folder_location("/\\/\\evil.example"), "/evil.example/");
    }

    #[test]
    fn types_are_what_clients_expect() {
        assert_eq!(content_type("api/v2/components.json"), "application/json");
        assert_eq!(
            content_type("feed.atom"),
            "application/atom+xml; charset=utf-8"
        );
        assert_eq!(
            content_type("maintenance.ics"),
            "text/calendar; charset=utf-8"
        );
        assert_eq!(content_type("assets/favicon.svg"), "image/svg+xml");
    }

    #[test]
    fn the_overlay_is_escaped_and_inside_the_body() {
        let page = with_overlay(
            b"<html><body><p>ok</p></body></html>",
            "x.md:1:1: bad <tag>",
        );
        let page = String::from_utf8(page).expect("utf-8");
        assert!(page.contains("x.md:1:1: bad &lt;tag&gt;"));
        assert!(page.ends_with("</div></body></html>"));
    }
}
