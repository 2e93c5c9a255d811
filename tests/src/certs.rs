//! A throwaway certificate authority for TLS tests: a CA, a server certificate for
//! `localhost` and 127.0.0.1, and a client certificate, written as PEM files.

use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose};

/// Where the files are, and the CA certificate's DER bytes (for clients that take those).
pub struct Certificates {
    pub ca: PathBuf,
    pub ca_der: Vec<u8>,
    pub server: PathBuf,
    pub server_key: PathBuf,
    pub client: PathBuf,
    pub client_key: PathBuf,
}

/// Makes the CA and both certificates in `dir`.
pub fn make(dir: &Path) -> Certificates {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
    let ca_key = KeyPair::generate().expect("a CA key");
    let ca = ca_params.self_signed(&ca_key).expect("the CA certificate");
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf = |names: Vec<String>, stem: &str| {
        let key = KeyPair::generate().expect("a key");
        let cert = CertificateParams::new(names)
            .expect("certificate parameters")
            .signed_by(&key, &issuer)
            .expect("a certificate");
        let (cert_path, key_path) =
            (dir.join(format!("{stem}.pem")), dir.join(format!("{stem}-key.pem")));
        std::fs::write(&cert_path, cert.pem()).expect("write the certificate");
        std::fs::write(&key_path, key.serialize_pem()).expect("write the key");
        (cert_path, key_path)
    };
    let (server, server_key) = leaf(vec!["127.0.0.1".into(), "localhost".into()], "server");
    let (client, client_key) = leaf(vec!["gate.mandate.test".into()], "client");
    let ca_path = dir.join("ca.pem");
    std::fs::write(&ca_path, ca.pem()).expect("write the CA");
    Certificates { ca: ca_path, ca_der: ca.der().to_vec(), server, server_key, client, client_key }
}
