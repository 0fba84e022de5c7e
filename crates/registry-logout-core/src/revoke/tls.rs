//! TLS the way Node configures it for npm: Node's bundled roots unless `ca`/`cafile`
//! replace them, `NODE_EXTRA_CA_CERTS` added to the bundled roots (Node ignores it when
//! `ca` is given), `strict-ssl=false` accepting any server certificate, and an optional
//! client certificate. Failures carry the code Node would report (`node_codes`).

use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ResolvesClientCert, WebPkiServerVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::der::{spki_key_bits, subject_public_key};
use super::node_codes::{
    unknown_issuer_code, NodeTlsCode, KEY_VALUES_MISMATCH, PEM_NO_START_LINE, UNSUPPORTED_KEY,
};
use crate::error::{ErrorKind, LogoutError, Result};

/// Everything that shapes the TLS client, as plain data (hashable so clients can be reused).
#[derive(Clone, Debug, Default, Hash, PartialEq, Eq)]
pub struct TlsSettings {
    pub strict_ssl: bool,
    /// PEM text that replaces the default roots (`ca`, `cafile`).
    pub ca: Vec<String>,
    /// PEM text added to the bundled roots (`NODE_EXTRA_CA_CERTS`); unused with `ca`.
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
        .map_err(|e| LogoutError::new(ErrorKind::TlsSetup, format!("TLS setup failed: {e}")))?;
    let builder = if settings.strict_ssl {
        let verifier = if settings.ca.is_empty() {
            // Node's bundled roots, loaded by the first certificate check: a logout from
            // an http:// registry never loads them.
            NodeCodes::bundled(settings.extra_ca.clone())
        } else {
            // The user's `ca`: read now, so that a bad one fails before anything is sent.
            let mut roots = RootCertStore::empty();
            for pem in &settings.ca {
                add_pem_roots(&mut roots, pem, "ca")?;
            }
            let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
                .build()
                .map_err(|e| {
                    LogoutError::new(ErrorKind::TlsSetup, format!("TLS setup failed: {e}"))
                })?;
            NodeCodes::given(webpki)
        };
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyServerCert(provider())))
    };
    let mut config = match &settings.client_cert {
        None => builder.with_no_client_auth(),
        Some(cert) => builder
            .with_client_cert_resolver(Arc::new(PresentAlways(Arc::new(certified_key(cert)?)))),
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// The client certificate chain and its signing key, as they will be presented.
///
/// `with_client_auth_cert` (and `CertifiedKey::from_der`) parse the leaf with webpki,
/// which refuses what OpenSSL and so npm send: an X.509 v1 certificate (`openssl x509
/// -req` without extensions), for one. Whether the certificate is acceptable is the
/// server's call, so the chain is presented as it is; only the one check OpenSSL makes
/// when Node loads a pair is made here: that the key is the certificate's.
fn certified_key(cert: &ClientCert) -> Result<CertifiedKey> {
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(cert.cert_pem.as_bytes())
            .collect::<std::result::Result<_, _>>()
            .map_err(|_| bad_client_cert())?;
    let Some(leaf) = chain.first() else {
        return Err(bad_client_cert());
    };
    let key = PrivateKeyDer::from_pem_slice(cert.key_pem.expose().as_bytes())
        .map_err(|_| bad_client_key())?;
    let key = provider()
        .key_provider
        .load_private_key(key)
        .map_err(|_| bad_client_key())?;
    // A key type whose public half rustls cannot tell is left to the server to judge.
    if let Some(spki) = key.public_key() {
        let theirs = subject_public_key(leaf);
        if theirs.is_none() || theirs != spki_key_bits(&spki) {
            return Err(LogoutError::new(
                ErrorKind::TlsClientCert(KEY_VALUES_MISMATCH),
                "the client key does not match the client certificate (key values mismatch)",
            ));
        }
    }
    Ok(CertifiedKey::new(chain, key))
}

fn bad_client_cert() -> LogoutError {
    LogoutError::new(
        ErrorKind::TlsClientCert(PEM_NO_START_LINE),
        "the client certificate is not a PEM certificate (no start line)",
    )
}

fn bad_client_key() -> LogoutError {
    LogoutError::new(
        ErrorKind::TlsClientCert(UNSUPPORTED_KEY),
        "the client key is not a PEM private key that can sign (unsupported)",
    )
}

/// Presents the one configured chain whenever the server asks, as Node does: rustls'
/// own resolver for this is private, and its public constructor checks the chain.
#[derive(Debug)]
struct PresentAlways(Arc<CertifiedKey>);

impl ResolvesClientCert for PresentAlways {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(&self.0))
    }

    fn has_certs(&self) -> bool {
        true
    }
}

fn invalid_pem(what: &str) -> LogoutError {
    LogoutError::new(ErrorKind::TlsSetup, format!("the {what} is not valid PEM"))
}

fn add_pem_roots(roots: &mut RootCertStore, pem: &str, what: &str) -> Result<()> {
    let mut added = 0;
    for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
        let cert = cert.map_err(|_| invalid_pem(what))?;
        roots
            .add(cert)
            .map_err(|e| LogoutError::new(ErrorKind::TlsSetup, format!("{what}: {e}")))?;
        added += 1;
    }
    if added == 0 {
        return Err(invalid_pem(what));
    }
    Ok(())
}

/// rustls' own verification, with "unknown issuer" refined into the name OpenSSL
/// (and so Node and npm) gives it, which depends on the chain the server sent.
struct NodeCodes {
    /// Built once, by the first handshake that needs it (or at once, for a given `ca`).
    verifier: OnceLock<std::result::Result<Arc<WebPkiServerVerifier>, rustls::Error>>,
    /// `NODE_EXTRA_CA_CERTS`, added to the bundled roots when they are loaded.
    extra_ca: Vec<String>,
}

impl NodeCodes {
    fn given(verifier: Arc<WebPkiServerVerifier>) -> Self {
        Self {
            verifier: OnceLock::from(Ok(verifier)),
            extra_ca: Vec::new(),
        }
    }

    fn bundled(extra_ca: Vec<String>) -> Self {
        Self {
            verifier: OnceLock::new(),
            extra_ca,
        }
    }

    fn verifier(&self) -> std::result::Result<&Arc<WebPkiServerVerifier>, rustls::Error> {
        self.verifier
            .get_or_init(|| {
                let mut roots = RootCertStore::empty();
                roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
                // Node warns about, and otherwise ignores, extra CA certificates it
                // cannot use.
                for pem in &self.extra_ca {
                    let certs =
                        CertificateDer::pem_slice_iter(pem.as_bytes()).filter_map(|c| c.ok());
                    roots.add_parsable_certificates(certs);
                }
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
                    .build()
                    .map_err(|e| rustls::Error::General(format!("TLS setup failed: {e}")))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl std::fmt::Debug for NodeCodes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeCodes")
            .field("loaded", &self.verifier.get().is_some())
            .finish_non_exhaustive()
    }
}

impl ServerCertVerifier for NodeCodes {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        self.verifier()?
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .map_err(|e| match e {
                rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer) => {
                    let code = unknown_issuer_code(end_entity, intermediates);
                    rustls::Error::InvalidCertificate(rustls::CertificateError::Other(
                        rustls::OtherError(Arc::new(NodeTlsCode(code))),
                    ))
                }
                other => other,
            })
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.verifier()?.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.verifier()?.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        // The provider's, which the verifier would answer too: no roots needed.
        provider()
            .signature_verification_algorithms
            .supported_schemes()
    }

    fn root_hint_subjects(&self) -> Option<&[rustls::DistinguishedName]> {
        self.verifier().ok()?.root_hint_subjects()
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    // Made by `openssl x509 -req -signkey` without extensions: X.509 v1 (no `[0]`).
    const V1_EC_CERT: &str = include_str!("testdata/v1-ec.pem");
    const V1_EC_KEY: &str = include_str!("testdata/v1-ec.key");
    const OTHER_EC_KEY: &str = include_str!("testdata/other-ec.key");
    const V1_RSA_CERT: &str = include_str!("testdata/v1-rsa.pem");
    const V1_RSA_KEY: &str = include_str!("testdata/v1-rsa.key");

    fn pair(cert: &str, key: &str) -> ClientCert {
        ClientCert {
            cert_pem: cert.to_string(),
            key_pem: crate::secret::Secret::new(key),
        }
    }

    fn client_cert_code(cert: &str, key: &str) -> Option<String> {
        certified_key(&pair(cert, key))
            .err()
            .map(|e| e.code().into_owned())
    }

    #[test]
    fn v1_client_certificates_are_presented() {
        assert_eq!(client_cert_code(V1_EC_CERT, V1_EC_KEY), None);
        assert_eq!(client_cert_code(V1_RSA_CERT, V1_RSA_KEY), None);
        let settings = TlsSettings {
            strict_ssl: true,
            client_cert: Some(pair(V1_EC_CERT, V1_EC_KEY)),
            ..TlsSettings::default()
        };
        let config = client_config(&settings);
        assert!(config.is_ok_and(|c| c.client_auth_cert_resolver.has_certs()));
    }

    #[test]
    fn a_key_that_is_not_the_certificates_is_refused_with_nodes_code() {
        for (cert, key) in [
            (V1_EC_CERT, OTHER_EC_KEY),
            (V1_EC_CERT, V1_RSA_KEY),
            (V1_RSA_CERT, V1_EC_KEY),
        ] {
            assert_eq!(
                client_cert_code(cert, key).as_deref(),
                Some(KEY_VALUES_MISMATCH)
            );
        }
        assert_eq!(
            client_cert_code("not a certificate", V1_EC_KEY).as_deref(),
            Some(PEM_NO_START_LINE)
        );
        assert_eq!(
            client_cert_code(V1_EC_CERT, "not a key").as_deref(),
            Some(UNSUPPORTED_KEY)
        );
        // A certificate without a key's worth of DER is not the key's either.
        let garbage = "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";
        assert_eq!(
            client_cert_code(garbage, V1_EC_KEY).as_deref(),
            Some(KEY_VALUES_MISMATCH)
        );
    }

    #[test]
    fn the_bundled_roots_load_at_the_first_certificate_check_only() {
        let codes = NodeCodes::bundled(Vec::new());
        assert!(!codes.supported_verify_schemes().is_empty());
        assert!(
            codes.verifier.get().is_none(),
            "no roots before a handshake"
        );
        assert!(codes.verifier().is_ok());
        assert!(codes.verifier.get().is_some());
    }
}
