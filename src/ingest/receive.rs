//! `sitrep receive`: the alert endpoints over HTTP (docs/ingesting.md, "sitrep receive").
//! Connections are served as the preview server serves them (a deadline on a request's
//! headers, a bounded shutdown: src/serve/http.rs); on top, every request must carry the
//! bearer token, its body is bounded in size and in time, and a body that is not the
//! source's payload gets a 400 with nothing written.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, Response, StatusCode, header};

use super::{IngestError, IngestReport, Source};
use crate::Now;
use crate::config;
use crate::error::Error;

/// The largest body accepted: Alertmanager sends every alert of a group in one request, and
/// a thousand alerts fit in well under this.
pub const BODY_LIMIT: usize = 1024 * 1024;
/// How long a client may take to send its body.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// What `sitrep receive` was asked for.
#[derive(Debug, Clone)]
pub struct ReceiveOptions {
    /// The site folder.
    pub root: PathBuf,
    /// The address to listen on; loopback by default, behind a TLS reverse proxy.
    pub bind: IpAddr,
    /// 0 picks a free one.
    pub port: u16,
}

/// What the receiver reports as it goes; the binary prints these, one line each.
#[derive(Debug, Clone)]
pub enum ReceiveEvent {
    /// Accepting connections at this address.
    Listening(SocketAddr),
    /// A payload was handled.
    Handled {
        /// The endpoint it came to.
        source: Source,
        /// What it did.
        report: IngestReport,
    },
    /// A request was refused with this status; nothing was written.
    Refused {
        /// The request's method and path.
        request: String,
        /// The HTTP status sent.
        status: u16,
        /// Why, as the client was told.
        why: String,
    },
    /// Ctrl-C or SIGTERM: the receiver has stopped.
    Stopped,
}

struct Context {
    root: PathBuf,
    token: String,
    grafana_secret: Option<String>,
    report: Box<dyn Fn(ReceiveEvent) + Send + Sync>,
}

/// Serves until Ctrl-C or SIGTERM. Refuses to start without `ingest:` in site.yaml or
/// without its token in the environment: an open endpoint would let anyone write incidents.
pub fn run(
    options: ReceiveOptions,
    report: impl Fn(ReceiveEvent) + Send + Sync + 'static,
) -> Result<(), IngestError> {
    let site = config::load(&options.root)?;
    let ingest = site.ingest.ok_or(IngestError::NotConfigured)?;
    let lookup = |name: &str| std::env::var(name).ok();
    let token = ingest
        .token
        .resolve(&lookup)
        .map_err(|d| Error::Content(vec![d]))?;
    let grafana_secret = ingest
        .grafana_secret
        .map(|s| s.resolve(&lookup))
        .transpose()
        .map_err(|d| Error::Content(vec![d]))?;
    let context = Arc::new(Context {
        root: options.root.clone(),
        token,
        grafana_secret,
        report: Box::new(report),
    });
    let runtime = crate::runtime::shared()
        .map_err(|e| Error::io("start the receiver's runtime for", &options.root, e))?;
    runtime.block_on(async move {
        let address = (options.bind, options.port);
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|e| Error::io("listen on", format!("{}:{}", options.bind, options.port), e))?;
        let local = listener
            .local_addr()
            .map_err(|e| Error::io("listen on", options.bind.to_string(), e))?;
        (context.report)(ReceiveEvent::Listening(local));
        let router = Router::new().fallback(handle).with_state(context.clone());
        crate::serve::http::serve_until(listener, router, stop_signal())
            .await
            .map_err(|e| Error::io("serve on", local.to_string(), e))?;
        (context.report)(ReceiveEvent::Stopped);
        Ok(())
    })
}

/// Ctrl-C, or SIGTERM as service managers send it.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

async fn handle(State(context): State<Arc<Context>>, request: Request) -> Response<Body> {
    let described = format!("{} {}", request.method(), request.uri().path());
    match answer(&context, request).await {
        Ok(response) => response,
        Err((status, why)) => {
            (context.report)(ReceiveEvent::Refused {
                request: described,
                status: status.as_u16(),
                why: why.clone(),
            });
            let mut response = json(status, &serde_json::json!({ "error": why }));
            if status == StatusCode::UNAUTHORIZED {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            response
        }
    }
}

type Refusal = (StatusCode, String);

async fn answer(context: &Arc<Context>, request: Request) -> Result<Response<Body>, Refusal> {
    let path = request.uri().path().to_string();
    if path == "/healthz" {
        return match *request.method() {
            Method::GET | Method::HEAD => {
                Ok(json(StatusCode::OK, &serde_json::json!({"status": "ok"})))
            }
            _ => Err((StatusCode::METHOD_NOT_ALLOWED, "GET /healthz only".into())),
        };
    }
    let Some(source) = Source::parse(path.trim_start_matches('/')) else {
        let paths: Vec<String> = Source::ALL.iter().map(|s| format!("/{s}")).collect();
        return Err((
            StatusCode::NOT_FOUND,
            format!("no endpoint {path}; POST to one of {}", paths.join(", ")),
        ));
    };
    if request.method() != Method::POST {
        return Err((StatusCode::METHOD_NOT_ALLOWED, format!("POST {path} only")));
    }
    let headers = request.headers().clone();
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    if !super::auth::bearer_matches(&context.token, text("authorization").as_deref()) {
        return Err((
            StatusCode::UNAUTHORIZED,
            "missing or wrong bearer token (send `Authorization: Bearer <token>`)".into(),
        ));
    }
    let body = read_body(request).await?;
    if source == Source::Grafana
        && let Some(secret) = &context.grafana_secret
        && !super::auth::grafana_signature_valid(
            secret,
            &body,
            text("x-grafana-alerting-signature").as_deref(),
            text("x-grafana-alerting-timestamp").as_deref(),
        )
    {
        return Err((
            StatusCode::UNAUTHORIZED,
            "missing or wrong X-Grafana-Alerting-Signature".into(),
        ));
    }
    handle_payload(context, source, body).await
}

/// Runs the ingest off the async threads (it takes the authoring lock and writes files).
async fn handle_payload(
    context: &Arc<Context>,
    source: Source,
    body: bytes::Bytes,
) -> Result<Response<Body>, Refusal> {
    let root = context.root.clone();
    let handled = tokio::task::spawn_blocking(move || {
        super::run(&root, source, &body, &Now::At(chrono::Utc::now()))
    })
    .await
    .map_err(|e| {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the handler failed: {e}"),
        )
    })?;
    match handled {
        Ok(report) => {
            let lines: Vec<String> = report.decisions.iter().map(ToString::to_string).collect();
            (context.report)(ReceiveEvent::Handled { source, report });
            Ok(json(
                StatusCode::OK,
                &serde_json::json!({ "decisions": lines }),
            ))
        }
        Err(e @ IngestError::BadPayload { .. }) => Err((StatusCode::BAD_REQUEST, e.to_string())),
        Err(e @ IngestError::NotConfigured) => {
            Err((StatusCode::SERVICE_UNAVAILABLE, e.to_string()))
        }
        Err(IngestError::Site(e)) => Err((
            StatusCode::INTERNAL_SERVER_ERROR,
            crate::redact::credentials(&e.to_string()).into_owned(),
        )),
    }
}

/// The body, within [`BODY_LIMIT`] and [`BODY_TIMEOUT`].
async fn read_body(request: Request) -> Result<bytes::Bytes, Refusal> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|l| l.parse::<usize>().ok());
    if declared.is_some_and(|l| l > BODY_LIMIT) {
        return Err(too_large());
    }
    match tokio::time::timeout(
        BODY_TIMEOUT,
        axum::body::to_bytes(request.into_body(), BODY_LIMIT),
    )
    .await
    {
        Err(_) => Err((
            StatusCode::REQUEST_TIMEOUT,
            format!("the body took longer than {} s", BODY_TIMEOUT.as_secs()),
        )),
        Ok(Err(_)) => Err(too_large()),
        Ok(Ok(body)) => Ok(body),
    }
}

fn too_large() -> Refusal {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the body is larger than {} bytes", BODY_LIMIT),
    )
}

fn json(status: StatusCode, value: &serde_json::Value) -> Response<Body> {
    let mut response = Response::new(Body::from(value.to_string() + "\n"));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
