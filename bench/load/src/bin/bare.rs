//! The yardstick of the load benchmark: a bare hyper server that answers
//! every request with one fixed response (the bytes awsemu answered for the
//! same request, recorded by `awsemu-throughput`). Same runtime, same HTTP/1
//! settings as awsemu; no parsing, no state.
//!
//! Usage: `awsemu-bare <body-file> <content-type>`; the first stdout line
//! says `listening on 127.0.0.1:<port>`.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, body_file, content_type] = &args[..] else {
        eprintln!("usage: awsemu-bare <body-file> <content-type>");
        std::process::exit(2);
    };
    let body = Bytes::from(std::fs::read(body_file).expect("read the body file"));
    let content_type = HeaderValue::from_str(content_type).expect("a header value");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    println!("listening on {}", listener.local_addr().expect("address"));
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let (body, content_type) = (body.clone(), content_type.clone());
        tokio::spawn(async move {
            let service = service_fn(move |req: Request<Incoming>| {
                let (body, content_type) = (body.clone(), content_type.clone());
                async move {
                    // Read the request as awsemu does, then answer.
                    let _ = req.into_body().collect().await;
                    let mut r = Response::new(Full::new(body));
                    r.headers_mut().insert(CONTENT_TYPE, content_type);
                    r.headers_mut().insert(
                        "x-amzn-RequestId",
                        HeaderValue::from_static("00000000-0000-0000-0000-000000000000"),
                    );
                    Ok::<_, Infallible>(r)
                }
            });
            let _ = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
