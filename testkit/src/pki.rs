//! A certificate authority of the test's own, for the cloud's and the node's TLS tests.

use std::path::PathBuf;

/// A certificate authority of the test's own and a server certificate it signed for
/// `127.0.0.1` and `localhost`, as PEM files in a temporary folder.
#[derive(Debug)]
pub struct Pki {
    /// The authority's certificate, as PEM text.
    pub ca_pem: String,
    /// The authority's certificate, as a file.
    pub ca: PathBuf,
    /// The server's certificate chain (PEM file).
    pub cert: PathBuf,
    /// The server's private key (PEM file).
    pub key: PathBuf,
    _dir: tempfile::TempDir,
}

impl Pki {
    /// A new authority and server certificate.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "Klinik chain test CA");
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let key = KeyPair::generate().unwrap();
        let params =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
        let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, pem: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, pem).unwrap();
            path
        };
        Self {
            cert: write("cert.pem", &cert.pem()),
            key: write("key.pem", &key.serialize_pem()),
            ca: write("ca.pem", &ca.pem()),
            ca_pem: ca.pem(),
            _dir: dir,
        }
    }
}
