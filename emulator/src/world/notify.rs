//! Connection notifications leave the world here: every message is kept in
//! a log (the control API lists it) and, when its SNS topic is mapped to an
//! HTTP URL (`--sns-endpoint ARN=URL`), POSTed there in the SNS HTTP/S
//! delivery envelope by a background task.

use std::collections::{HashMap, VecDeque};

use parking_lot::Mutex;
use serde::Serialize;
use tokio::sync::mpsc;

/// How many messages the log keeps.
const RETAINED: usize = 10_000;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Message {
    #[serde(rename = "Type")]
    pub kind: &'static str,
    pub message_id: String,
    pub topic_arn: String,
    pub subject: String,
    /// The payload, a JSON document as a string (as SNS delivers it).
    pub message: String,
    pub timestamp: String,
    pub signature_version: &'static str,
    pub signature: &'static str,
    #[serde(rename = "SigningCertURL")]
    pub signing_cert_url: String,
    #[serde(rename = "UnsubscribeURL")]
    pub unsubscribe_url: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Published {
    pub envelope: Message,
    /// Where it was sent, when its topic is mapped to a URL.
    pub url: Option<String>,
}

#[derive(Debug)]
pub struct Notifier {
    topics: HashMap<String, String>,
    log: Mutex<VecDeque<Published>>,
    tx: mpsc::UnboundedSender<Published>,
    rx: Mutex<Option<mpsc::UnboundedReceiver<Published>>>,
}

impl Notifier {
    pub fn new(topics: HashMap<String, String>) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Notifier {
            topics,
            log: Mutex::new(VecDeque::new()),
            tx,
            rx: Mutex::new(Some(rx)),
        }
    }

    /// Records a message for `topic_arn` and queues its HTTP delivery.
    pub fn publish(&self, topic_arn: &str, subject: &str, message: String, timestamp: String) {
        let region = topic_arn.split(':').nth(3).unwrap_or("us-east-1");
        let envelope = Message {
            kind: "Notification",
            message_id: uuid::Uuid::new_v4().to_string(),
            topic_arn: topic_arn.to_string(),
            subject: subject.to_string(),
            message,
            timestamp,
            signature_version: "1",
            // Not a real signature: nothing offline could verify one.
            signature: "awsemu",
            signing_cert_url: format!("https://sns.{region}.amazonaws.com/awsemu.pem"),
            unsubscribe_url: format!(
                "https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={topic_arn}:awsemu"
            ),
        };
        let published = Published {
            envelope,
            url: self.topics.get(topic_arn).cloned(),
        };
        {
            let mut log = self.log.lock();
            if log.len() == RETAINED {
                log.pop_front();
            }
            log.push_back(published.clone());
        }
        if published.url.is_some() {
            let _ = self.tx.send(published);
        }
    }

    pub fn log(&self) -> Vec<Published> {
        self.log.lock().iter().cloned().collect()
    }

    pub fn clear(&self) {
        self.log.lock().clear();
    }

    /// The delivery queue; the server takes it once and drains it.
    pub fn take_queue(&self) -> Option<mpsc::UnboundedReceiver<Published>> {
        self.rx.lock().take()
    }
}

/// POSTs each queued message to its URL (http:// only), in order.
pub async fn deliver(mut queue: mpsc::UnboundedReceiver<Published>) {
    while let Some(p) = queue.recv().await {
        let Some(url) = p.url.clone() else { continue };
        if let Err(e) = post(&url, &p.envelope).await {
            tracing::warn!(url = url.as_str(), error = %e, "notification delivery failed");
        } else {
            tracing::debug!(url = url.as_str(), "notification delivered");
        }
    }
}

async fn post(url: &str, m: &Message) -> Result<(), String> {
    use bytes::Bytes;
    use http_body_util::{BodyExt, Full};
    use hyper_util::rt::TokioIo;

    let uri: hyper::Uri = url.parse().map_err(|e| format!("bad URL: {e}"))?;
    if uri.scheme_str() != Some("http") {
        return Err("only http:// URLs are delivered to".into());
    }
    let host = uri.host().ok_or("URL has no host")?.to_string();
    let port = uri.port_u16().unwrap_or(80);
    let stream = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        tokio::net::TcpStream::connect((host.as_str(), port)),
    )
    .await
    .map_err(|_| "connect timed out".to_string())?
    .map_err(|e| e.to_string())?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let body = serde_json::to_vec(m).map_err(|e| e.to_string())?;
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let req = hyper::Request::post(path)
        .header("host", format!("{host}:{port}"))
        .header("content-type", "text/plain; charset=UTF-8")
        .header("x-amz-sns-message-type", "Notification")
        .header("x-amz-sns-message-id", m.message_id.as_str())
        .header("x-amz-sns-topic-arn", m.topic_arn.as_str())
        .header("user-agent", "Amazon Simple Notification Service Agent")
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| e.to_string())?;
    let resp = tokio::time::timeout(std::time::Duration::from_secs(5), sender.send_request(req))
        .await
        .map_err(|_| "request timed out".to_string())?
        .map_err(|e| e.to_string())?;
    let status = resp.status();
    let _ = resp.into_body().collect().await;
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {status}"))
    }
}
