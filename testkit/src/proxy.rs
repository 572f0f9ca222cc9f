//! A loopback TCP proxy that can cut the link it stands for: while cut it refuses new
//! connections and drops the open ones at once, so both sides see a broken link (not a
//! slow one) and a keep-alive connection cannot slip through a partition. The fault
//! scenarios' partitions use it between nodes, the cloud's tests between a replica and
//! its PostgreSQL.

use std::net::SocketAddr;
use std::sync::OnceLock;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// The proxies' own runtime: they keep forwarding while the scenario blocks its thread
/// (starting a process waits for its first lines).
fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("fault-proxy")
            .enable_all()
            .build()
            .unwrap()
    })
}

/// One direction of one link: connections to [`Proxy::url`] reach `target` while it is up.
#[derive(Debug)]
pub struct Proxy {
    addr: SocketAddr,
    up: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// A proxy to `target` on a free loopback port, up.
    pub fn start(target: SocketAddr) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (up, _) = watch::channel(true);
        let watcher = up.subscribe();
        let task = runtime().spawn(async move {
            let listener = TcpListener::from_std(listener).unwrap();
            while let Ok((inbound, _)) = listener.accept().await {
                if *watcher.borrow() {
                    runtime().spawn(forward(inbound, target, watcher.clone()));
                }
                // Cut: dropping `inbound` refuses the connection.
            }
        });
        Self { addr, up, task }
    }

    /// `http://` and the proxy's address.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The proxy's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Cuts (`false`) or heals (`true`) the link.
    pub fn set_up(&self, up: bool) {
        self.up.send_replace(up);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.up.send_replace(false);
        self.task.abort();
    }
}

async fn forward(mut inbound: TcpStream, target: SocketAddr, mut up: watch::Receiver<bool>) {
    let Ok(mut outbound) = TcpStream::connect(target).await else {
        return; // the other side is not listening: the caller sees a dropped connection
    };
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
        _ = up.wait_for(|up| !*up) => {}
    }
}
