//! HTTPS through rustls (feature `tls`): the service serves the probes and
//! the keyed API over TLS with the certificate it is given, and a client
//! that trusts that certificate talks to it. The certificate is a
//! self-signed one for localhost and 127.0.0.1 in `tests/service_tls/`
//! (EC P-256, valid for a hundred years), made with
//! `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes
//! -days 36500 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1
//! -addext basicConstraints=critical,CA:FALSE -addext extendedKeyUsage=serverAuth`.

use crate::service_common;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use service_common::{config, ADMIN};
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use switchboard::service::{Service, Tls};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/service_tls")
        .join(name)
}

/// One HTTP/1.1 request over TLS, trusting only the fixture certificate;
/// the whole answer as text.
fn https(
    addr: SocketAddr,
    request: &str,
) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from_pem_file(fixture("cert.pem"))?)?;
    let client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let conn = rustls::ClientConnection::new(Arc::new(client), ServerName::try_from("localhost")?)?;
    let tcp = std::net::TcpStream::connect(addr)?;
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    tls.write_all(request.as_bytes())?;
    let mut answer = Vec::new();
    match tls.read_to_end(&mut answer) {
        Ok(_) => {}
        // The server may close without a close_notify after `Connection: close`.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {}
        Err(e) => return Err(e.into()),
    }
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_serves_https_with_the_given_certificate() {
    let mut c = config();
    c.tls = Some(Tls {
        cert: fixture("cert.pem"),
        key: fixture("key.pem"),
    });
    let service = Service::bind(c).await.expect("it starts with TLS");
    assert!(service.base_url().starts_with("https://"));
    let addr = service.local_addr();
    let answers = tokio::task::spawn_blocking(move || {
        let health = https(addr, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        let tenants = https(
            addr,
            &format!("GET /api/tenants HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {ADMIN}\r\nConnection: close\r\n\r\n"),
        );
        let anonymous = https(addr, "GET /api/tenants HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        // Plain HTTP on the TLS port gets no HTTP answer.
        let plain = {
            let mut tcp = std::net::TcpStream::connect(addr).unwrap();
            tcp.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
            tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
            let mut out = Vec::new();
            let _ = tcp.read_to_end(&mut out);
            String::from_utf8_lossy(&out).into_owned()
        };
        (health, tenants, anonymous, plain)
    })
    .await
    .unwrap();
    let (health, tenants, anonymous, plain) = answers;
    let health = health.expect("a TLS answer");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.contains("{\"status\":\"ok\"}"), "{health}");
    let tenants = tenants.unwrap();
    assert!(
        tenants.starts_with("HTTP/1.1 200") && tenants.ends_with("[]"),
        "{tenants}"
    );
    assert!(anonymous.unwrap().starts_with("HTTP/1.1 401"));
    assert!(!plain.starts_with("HTTP/1.1 200"), "{plain}");
    let report = service.shutdown().await;
    assert!(report.all_synced());
}
