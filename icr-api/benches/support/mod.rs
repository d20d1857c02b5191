//! What the client benches share: a loopback server on a thread and runtime
//! of its own (so that it never competes with the clients for their
//! runtime's time), and the median of rounds with their spread.

/// A listener on a free loopback port, and its base URL.
pub(crate) fn bind() -> std::io::Result<(std::net::TcpListener, String)> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let base = format!("http://{}", listener.local_addr()?);
    Ok((listener, base))
}

/// Serves `router` on `listener` from a thread of its own.
pub(crate) fn serve(listener: std::net::TcpListener, router: axum::Router) {
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener)?;
            axum::serve(listener, router).await
        })
    });
}

/// The median of `values`, with the lowest and the highest.
pub(crate) fn median_spread(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    (
        values[values.len() / 2],
        values[0],
        values[values.len() - 1],
    )
}
