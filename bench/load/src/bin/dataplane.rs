//! The PrivateLink data plane's speed: 1 GiB through an endpoint against the
//! same copy straight over loopback, and the time a new connection takes
//! (connect, one byte there, the answer back) both ways.
//!
//! Starts awsemu with `scenarios/privatelink-dataplane.yaml`, binds the
//! scenario's target to a sink of its own (it skips the PPv2 header, counts
//! the bytes until the sender's end, answers the count), and dials the
//! endpoint's listener from `GET /_awsemu/dataplane`.
//!
//! Usage: `awsemu-dataplane [path/to/awsemu] [path/to/scenario]` (defaults:
//! `awsemu` beside this binary, `scenarios/privatelink-dataplane.yaml`).
//! `AWSEMU_BENCH_MIB` sets the transfer (default 1024), `AWSEMU_BENCH_CONNS`
//! the connections timed (default 2000).

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::Command;

type R<T> = Result<T, String>;

const SIGNATURE: &[u8; 12] = b"\r\n\r\n\0\r\nQUIT\n";

/// The target: skips a PPv2 header if there is one, counts the rest.
async fn sink(listener: TcpListener) {
    loop {
        let Ok((mut s, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(async move {
            let _ = s.set_nodelay(true);
            let mut head = [0u8; 16];
            let mut total: u64 = 0;
            if s.read_exact(&mut head).await.is_err() {
                // A health check, or a sender of fewer than 16 bytes.
                return;
            }
            if &head[..12] == SIGNATURE {
                let len = u16::from_be_bytes([head[14], head[15]]) as usize;
                let mut rest = vec![0u8; len];
                if s.read_exact(&mut rest).await.is_err() {
                    return;
                }
            } else {
                total += 16;
            }
            let mut buf = vec![0u8; 256 * 1024];
            loop {
                match s.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => total += n as u64,
                }
            }
            let _ = s.write_all(&total.to_be_bytes()).await;
        });
    }
}

/// Sends `bytes` and waits for the sink's count.
async fn send(to: SocketAddr, bytes: u64) -> R<u64> {
    let mut s = TcpStream::connect(to).await.map_err(|e| e.to_string())?;
    let _ = s.set_nodelay(true);
    let block = vec![0x5au8; 256 * 1024];
    let mut left = bytes;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        s.write_all(&block[..n]).await.map_err(|e| e.to_string())?;
        left -= n as u64;
    }
    s.shutdown().await.map_err(|e| e.to_string())?;
    let mut count = [0u8; 8];
    s.read_exact(&mut count).await.map_err(|e| e.to_string())?;
    Ok(u64::from_be_bytes(count))
}

async fn http(addr: SocketAddr, method: &str, path: &str, body: &str) -> R<String> {
    let mut s = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut out = String::new();
    s.read_to_string(&mut out)
        .await
        .map_err(|e| e.to_string())?;
    Ok(out
        .split_once("\r\n\r\n")
        .map(|x| x.1.to_string())
        .unwrap_or_default())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

async fn run() -> R<()> {
    let args: Vec<String> = std::env::args().collect();
    let bin = args.get(1).cloned().unwrap_or_else(|| {
        std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(|d| d.join("awsemu")))
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "awsemu".into())
    });
    let scenario = args
        .get(2)
        .cloned()
        .unwrap_or_else(|| "scenarios/privatelink-dataplane.yaml".into());
    let mib: u64 = std::env::var("AWSEMU_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let conns: usize = std::env::var("AWSEMU_BENCH_CONNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);

    let mut child = Command::new(&bin)
        .args([
            "serve",
            "--port",
            "0",
            "--scenario",
            &scenario,
            "--log-format",
            "json",
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {bin}: {e}"))?;
    let mut lines = BufReader::new(child.stdout.take().ok_or("no stdout")?).lines();
    let line = lines
        .next_line()
        .await
        .map_err(|e| e.to_string())?
        .ok_or("awsemu said nothing")?;
    let api: SocketAddr = line
        .rsplit("http://")
        .next()
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| format!("unexpected first line: {line}"))?;

    let target = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let target_addr = target.local_addr().map_err(|e| e.to_string())?;
    tokio::spawn(sink(target));

    // The scenario's target group, from the discovery.
    let d: serde_json::Value =
        serde_json::from_str(&http(api, "GET", "/_awsemu/dataplane", "").await?)
            .map_err(|e| e.to_string())?;
    let listener = &d["endpoints"]
        .as_array()
        .and_then(|e| {
            e.iter()
                .find(|e| !e["listeners"].as_array().is_none_or(Vec::is_empty))
        })
        .ok_or("no endpoint with a listener")?["listeners"][0];
    let tg = listener["targetGroupArn"]
        .as_str()
        .ok_or("no target group")?;
    let bound = http(
        api,
        "POST",
        "/_awsemu/dataplane/targets",
        &serde_json::json!({"targetGroupArn": tg, "id": "10.1.1.25", "port": 8080, "local": target_addr.to_string()}).to_string(),
    )
    .await?;
    if !bound.contains("\"local\"") {
        return Err(format!("bind failed: {bound}"));
    }
    let endpoint: SocketAddr = listener["local"]
        .as_str()
        .and_then(|a| a.parse().ok())
        .ok_or("no local address")?;
    // The target's first health check.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let bytes = mib * 1024 * 1024;
    println!("PrivateLink data plane: {mib} MiB, {conns} connections (awsemu {bin})");
    let mut rates = Vec::new();
    for (name, to) in [
        ("direct loopback", target_addr),
        ("through the endpoint", endpoint),
    ] {
        let mut best = f64::MAX;
        for _ in 0..3 {
            let started = Instant::now();
            let got = send(to, bytes).await?;
            let secs = started.elapsed().as_secs_f64();
            if got != bytes {
                return Err(format!("{name}: the target got {got} of {bytes} bytes"));
            }
            best = best.min(secs);
        }
        let rate = bytes as f64 / best / (1024.0 * 1024.0 * 1024.0);
        println!("  {name:<22} {best:>7.3} s  {rate:>6.2} GiB/s (best of 3)");
        rates.push(rate);
    }
    println!(
        "  endpoint / direct      {:>6.1} %",
        rates[1] / rates[0] * 100.0
    );

    let mut medians = Vec::new();
    for (name, to) in [
        ("direct loopback", target_addr),
        ("through the endpoint", endpoint),
    ] {
        let mut times = Vec::with_capacity(conns);
        for _ in 0..conns {
            let started = Instant::now();
            // 16 bytes: the sink's smallest read.
            let got = send(to, 16).await?;
            times.push(started.elapsed().as_secs_f64() * 1e6);
            if got != 16 {
                return Err(format!("{name}: {got} bytes"));
            }
        }
        let m = median(times.clone());
        let p99 = {
            let mut t = times;
            t.sort_by(|a, b| a.total_cmp(b));
            t[t.len() * 99 / 100]
        };
        println!("  new connection, {name:<22} median {m:>7.1} µs  p99 {p99:>7.1} µs");
        medians.push(m);
    }
    println!(
        "  setup added by the endpoint: {:.1} µs (median)",
        medians[1] - medians[0]
    );
    let _ = child.kill().await;
    Ok(())
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("awsemu-dataplane: {e}");
        std::process::exit(1);
    }
}
