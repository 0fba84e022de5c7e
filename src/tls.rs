//! TLS the way Node configures it for npm: Node's bundled roots unless `ca`/`cafile`
//! replace them, `NODE_EXTRA_CA_CERTS` added, `strict-ssl=false` accepting any server
//! certificate, and an optional client certificate.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::error::{LogoutError, Result};

/// Everything that shapes the TLS client, as plain data (hashable so clients can be reused).
#[derive(Clone, Debug, Default, Hash, PartialEq, Eq)]
pub struct TlsSettings {
    pub strict_ssl: bool,
    /// PEM text that replaces the default roots (`ca`, `cafile`).
    pub ca: Vec<String>,
    /// PEM text added to the roots (`NODE_EXTRA_CA_CERTS`).
    pub extra_ca: Vec<String>,
    /// Client certificate chain and key, PEM.
    pub client_cert: Option<ClientCert>,
}

#[derive(Clone, Hash, PartialEq, Eq)]
pub struct ClientCert {
    pub cert_pem: String,
    pub key_pem: crate::secret::Secret,
}

impl std::fmt::Debug for ClientCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientCert { .. }")
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

pub fn client_config(settings: &TlsSettings) -> Result<ClientConfig> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| LogoutError::new("ERR_TLS", format!("TLS setup failed: {e}")))?;
    let builder = if settings.strict_ssl {
        let mut roots = RootCertStore::empty();
        if settings.ca.is_empty() {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        } else {
            for pem in &settings.ca {
                add_pem_roots(&mut roots, pem, "ca")?;
            }
        }
        for pem in &settings.extra_ca {
            add_pem_roots(&mut roots, pem, "NODE_EXTRA_CA_CERTS")?;
        }
        builder.with_root_certificates(roots)
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyServerCert(provider())))
    };
    let mut config = match &settings.client_cert {
        None => builder.with_no_client_auth(),
        Some(cert) => {
            let chain: Vec<CertificateDer<'static>> =
                CertificateDer::pem_slice_iter(cert.cert_pem.as_bytes())
                    .collect::<std::result::Result<_, _>>()
                    .map_err(|_| invalid_pem("client certificate"))?;
            let key = PrivateKeyDer::from_pem_slice(cert.key_pem.expose().as_bytes())
                .map_err(|_| invalid_pem("client key"))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| LogoutError::new("ERR_TLS", format!("client certificate: {e}")))?
        }
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

fn invalid_pem(what: &str) -> LogoutError {
    LogoutError::new("ERR_TLS", format!("the {what} is not valid PEM"))
}

fn add_pem_roots(roots: &mut RootCertStore, pem: &str, what: &str) -> Result<()> {
    let mut added = 0;
    for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
        let cert = cert.map_err(|_| invalid_pem(what))?;
        roots
            .add(cert)
            .map_err(|e| LogoutError::new("ERR_TLS", format!("{what}: {e}")))?;
        added += 1;
    }
    if added == 0 {
        return Err(invalid_pem(what));
    }
    Ok(())
}

/// `strict-ssl=false`: Node skips certificate checks; signatures are still verified so
/// the handshake itself stays sound.
#[derive(Debug)]
struct AcceptAnyServerCert(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAnyServerCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
