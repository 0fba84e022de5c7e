//! TLS the way Node configures it for npm: Node's bundled roots unless `ca`/`cafile`
//! replace them, `NODE_EXTRA_CA_CERTS` added to the bundled roots (Node ignores it when
//! `ca` is given), `strict-ssl=false` accepting any server certificate, and an optional
//! client certificate. Failures carry the code Node would report
//! (`SELF_SIGNED_CERT_IN_CHAIN`, `ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED`, …).

use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ResolvesClientCert, WebPkiServerVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

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

/// OpenSSL's code, as Node reports it, for a key that is not the certificate's
/// (`tls.createSecureContext({ cert, key })` throws it).
pub(crate) const KEY_VALUES_MISMATCH: &str = "ERR_OSSL_X509_KEY_VALUES_MISMATCH";
/// Node's code for a `cert` with no PEM certificate in it.
pub(crate) const PEM_NO_START_LINE: &str = "ERR_OSSL_PEM_NO_START_LINE";
/// Node's code for a `key` that no decoder reads.
pub(crate) const UNSUPPORTED_KEY: &str = "ERR_OSSL_UNSUPPORTED";

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

/// A TLS failure as Node reports it: OpenSSL's name for it, and Node's own message when
/// it has one (otherwise rustls' text is used).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeTls {
    pub code: &'static str,
    message: Option<&'static str>,
}

impl NodeTls {
    const fn named(code: &'static str) -> Self {
        Self {
            code,
            message: None,
        }
    }

    const fn with_message(code: &'static str, message: &'static str) -> Self {
        Self {
            code,
            message: Some(message),
        }
    }
}

const SELF_SIGNED_CERT_IN_CHAIN: NodeTls = NodeTls::with_message(
    "SELF_SIGNED_CERT_IN_CHAIN",
    "self-signed certificate in certificate chain",
);
const DEPTH_ZERO_SELF_SIGNED_CERT: NodeTls =
    NodeTls::with_message("DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate");
const UNABLE_TO_VERIFY_LEAF_SIGNATURE: NodeTls = NodeTls::with_message(
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    "unable to verify the first certificate",
);
const UNABLE_TO_GET_ISSUER_CERT_LOCALLY: NodeTls = NodeTls::with_message(
    "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    "unable to get local issuer certificate",
);
const CERT_HAS_EXPIRED: NodeTls =
    NodeTls::with_message("CERT_HAS_EXPIRED", "certificate has expired");
const CERT_NOT_YET_VALID: NodeTls =
    NodeTls::with_message("CERT_NOT_YET_VALID", "certificate is not yet valid");
const CERT_REVOKED: NodeTls = NodeTls::with_message("CERT_REVOKED", "certificate revoked");
const CERT_SIGNATURE_FAILURE: NodeTls =
    NodeTls::with_message("CERT_SIGNATURE_FAILURE", "certificate signature failure");
const UNABLE_TO_GET_CRL: NodeTls =
    NodeTls::with_message("UNABLE_TO_GET_CRL", "unable to get certificate CRL");
const CRL_HAS_EXPIRED: NodeTls = NodeTls::with_message("CRL_HAS_EXPIRED", "CRL has expired");
const CRL_SIGNATURE_FAILURE: NodeTls =
    NodeTls::with_message("CRL_SIGNATURE_FAILURE", "CRL signature failure");
const CERT_REJECTED: NodeTls = NodeTls::with_message("CERT_REJECTED", "certificate rejected");
const ERR_TLS_CERT_ALTNAME_INVALID: NodeTls = NodeTls::with_message(
    "ERR_TLS_CERT_ALTNAME_INVALID",
    "Hostname/IP does not match certificate's altnames",
);

/// An OpenSSL verification result, carried through rustls in `CertificateError::Other`
/// so that the error code matches Node's.
#[derive(Debug)]
pub struct NodeTlsCode(pub NodeTls);

impl std::fmt::Display for NodeTlsCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.message.unwrap_or(self.0.code))
    }
}

impl std::error::Error for NodeTlsCode {}

/// Node's (OpenSSL's) code and message for a TLS failure seen by rustls.
pub fn node_error(err: &rustls::Error) -> (&'static str, String) {
    use rustls::CertificateError as C;
    let verdict = match err {
        rustls::Error::InvalidCertificate(c) => match c {
            C::Other(other) => match other.0.downcast_ref::<NodeTlsCode>() {
                Some(code) => code.0,
                None => UNABLE_TO_VERIFY_LEAF_SIGNATURE,
            },
            C::UnknownIssuer => UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
            C::Expired | C::ExpiredContext { .. } => CERT_HAS_EXPIRED,
            C::NotValidYet | C::NotValidYetContext { .. } => CERT_NOT_YET_VALID,
            C::NotValidForName | C::NotValidForNameContext { .. } => ERR_TLS_CERT_ALTNAME_INVALID,
            C::Revoked => CERT_REVOKED,
            // OpenSSL cannot check a signature it has no algorithm for: the same verdict.
            C::BadSignature
            | C::UnsupportedSignatureAlgorithmContext { .. }
            | C::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => CERT_SIGNATURE_FAILURE,
            #[allow(
                deprecated,
                reason = "a deprecated variant rustls may still return; it maps like its replacements"
            )]
            C::UnsupportedSignatureAlgorithm => CERT_SIGNATURE_FAILURE,
            C::UnknownRevocationStatus => UNABLE_TO_GET_CRL,
            C::ExpiredRevocationList | C::ExpiredRevocationListContext { .. } => CRL_HAS_EXPIRED,
            C::ApplicationVerificationFailure => CERT_REJECTED,
            C::InvalidPurpose | C::InvalidPurposeContext { .. } => {
                NodeTls::named("INVALID_PURPOSE")
            }
            _ => UNABLE_TO_VERIFY_LEAF_SIGNATURE,
        },
        rustls::Error::InvalidCertRevocationList(crl) => match crl {
            rustls::CertRevocationListError::BadSignature => CRL_SIGNATURE_FAILURE,
            _ => UNABLE_TO_GET_CRL,
        },
        rustls::Error::AlertReceived(alert) => NodeTls::named(alert_code(*alert)),
        _ => NodeTls::named("EPROTO"),
    };
    let message = match verdict.message {
        Some(m) => m.to_string(),
        None => err.to_string(),
    };
    (verdict.code, message)
}

/// OpenSSL's reason for an alert from the server, as Node names it (`ERR_SSL_<reason>`).
fn alert_code(alert: rustls::AlertDescription) -> &'static str {
    use rustls::AlertDescription as A;
    match alert {
        A::HandshakeFailure => "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE",
        A::BadCertificate => "ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE",
        A::UnsupportedCertificate => "ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE",
        A::CertificateRevoked => "ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED",
        A::CertificateExpired => "ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED",
        A::CertificateUnknown => "ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN",
        A::IllegalParameter => "ERR_SSL_SSLV3_ALERT_ILLEGAL_PARAMETER",
        A::UnknownCA => "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA",
        A::AccessDenied => "ERR_SSL_TLSV1_ALERT_ACCESS_DENIED",
        A::DecodeError => "ERR_SSL_TLSV1_ALERT_DECODE_ERROR",
        A::DecryptError => "ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR",
        A::ProtocolVersion => "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION",
        A::InsufficientSecurity => "ERR_SSL_TLSV1_ALERT_INSUFFICIENT_SECURITY",
        A::InternalError => "ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR",
        A::UnrecognisedName => "ERR_SSL_TLSV1_UNRECOGNIZED_NAME",
        A::CertificateRequired => "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED",
        A::NoApplicationProtocol => "ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL",
        _ => "EPROTO",
    }
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

/// OpenSSL's verdict when no trusted issuer was found: a self-signed certificate in
/// what the server sent, a lone self-signed leaf, a lone leaf, or a longer chain.
fn unknown_issuer_code(end_entity: &[u8], intermediates: &[CertificateDer<'_>]) -> NodeTls {
    if intermediates.is_empty() {
        if is_self_issued(end_entity) {
            DEPTH_ZERO_SELF_SIGNED_CERT
        } else {
            UNABLE_TO_VERIFY_LEAF_SIGNATURE
        }
    } else if intermediates.iter().any(|c| is_self_issued(c)) {
        SELF_SIGNED_CERT_IN_CHAIN
    } else {
        UNABLE_TO_GET_ISSUER_CERT_LOCALLY
    }
}

/// Issuer and subject names are the same DER bytes.
fn is_self_issued(der: &[u8]) -> bool {
    tbs_fields(der).is_some_and(|f| f.issuer == f.subject)
}

/// The parts of an X.509 certificate's `TBSCertificate` we read, as raw DER contents.
struct TbsFields<'a> {
    issuer: &'a [u8],
    subject: &'a [u8],
    /// The `SubjectPublicKeyInfo` SEQUENCE's contents.
    spki: &'a [u8],
}

/// Reads the fields in order. A v1 certificate has no `[0]` version (the default), so
/// the serial number comes first.
fn tbs_fields(der: &[u8]) -> Option<TbsFields<'_>> {
    let (_, cert, _) = der_tlv(der).filter(|t| t.0 == 0x30)?;
    let (_, tbs, _) = der_tlv(cert).filter(|t| t.0 == 0x30)?;
    let mut rest = tbs;
    let (tag, _, after) = der_tlv(rest)?;
    if tag == 0xA0 {
        rest = after; // [0] version
    }
    let (_, _, rest) = der_tlv(rest).filter(|t| t.0 == 0x02)?; // serialNumber
    let (_, _, rest) = der_tlv(rest).filter(|t| t.0 == 0x30)?; // signature algorithm
    let (_, issuer, rest) = der_tlv(rest).filter(|t| t.0 == 0x30)?;
    let (_, _, rest) = der_tlv(rest).filter(|t| t.0 == 0x30)?; // validity
    let (_, subject, rest) = der_tlv(rest).filter(|t| t.0 == 0x30)?;
    let (_, spki, _) = der_tlv(rest).filter(|t| t.0 == 0x30)?;
    Some(TbsFields {
        issuer,
        subject,
        spki,
    })
}

/// The certificate's public key: its `subjectPublicKey` BIT STRING.
fn subject_public_key(cert_der: &[u8]) -> Option<&[u8]> {
    key_bits(tbs_fields(cert_der)?.spki)
}

/// The public key bits of a whole `SubjectPublicKeyInfo` (as rustls' `public_key()`
/// gives it). Only the key bits are compared: the same key may be written with
/// differently encoded algorithm parameters.
fn spki_key_bits(spki_der: &[u8]) -> Option<&[u8]> {
    let (_, spki, _) = der_tlv(spki_der).filter(|t| t.0 == 0x30)?;
    key_bits(spki)
}

fn key_bits(spki: &[u8]) -> Option<&[u8]> {
    let (_, _, rest) = der_tlv(spki).filter(|t| t.0 == 0x30)?; // algorithm
    let (_, bits, _) = der_tlv(rest).filter(|t| t.0 == 0x03)?;
    Some(bits)
}

/// One DER tag-length-value: (tag, contents, the bytes after it).
fn der_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *input.first()?;
    let first = *input.get(1)?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let bytes = input.get(2..2 + n)?;
        let len = bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, 2 + n)
    };
    let contents = input.get(header..header.checked_add(len)?)?;
    Some((tag, contents, input.get(header + len..)?))
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

    #[test]
    fn der_reader_never_panics_on_garbage() {
        let inputs: [&[u8]; 6] = [
            b"",
            &[0x30],
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
            &[0x30, 0x89, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            &[0x30, 0x03, 0x30, 0x01],
            &[0x30, 0x80, 0x00],
        ];
        for input in inputs {
            assert!(tbs_fields(input).is_none());
            assert!(subject_public_key(input).is_none());
            assert!(spki_key_bits(input).is_none());
            assert!(!is_self_issued(input));
        }
        assert_eq!(
            unknown_issuer_code(b"junk", &[]).code,
            "UNABLE_TO_VERIFY_LEAF_SIGNATURE"
        );
    }

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
    fn node_codes_for_alerts_and_certificates() {
        let alert = rustls::Error::AlertReceived(rustls::AlertDescription::CertificateRequired);
        assert_eq!(
            node_error(&alert).0,
            "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED"
        );
        // OpenSSL's X509 verification results, by Node's names for them.
        use rustls::CertificateError as C;
        for (error, code) in [
            (C::UnknownRevocationStatus, "UNABLE_TO_GET_CRL"),
            (C::ExpiredRevocationList, "CRL_HAS_EXPIRED"),
            (C::ApplicationVerificationFailure, "CERT_REJECTED"),
            (
                C::UnsupportedSignatureAlgorithmContext {
                    signature_algorithm_id: Vec::new(),
                    supported_algorithms: Vec::new(),
                },
                "CERT_SIGNATURE_FAILURE",
            ),
            (C::InvalidPurpose, "INVALID_PURPOSE"),
        ] {
            assert_eq!(
                node_error(&rustls::Error::InvalidCertificate(error)).0,
                code
            );
        }
        let crl =
            rustls::Error::InvalidCertRevocationList(rustls::CertRevocationListError::BadSignature);
        assert_eq!(node_error(&crl).0, "CRL_SIGNATURE_FAILURE");
        // Handshake failures of the protocol itself: Node reports EPROTO for them.
        let garbage = rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType);
        assert_eq!(node_error(&garbage).0, "EPROTO");
        let chain = rustls::Error::InvalidCertificate(rustls::CertificateError::Other(
            rustls::OtherError(Arc::new(NodeTlsCode(SELF_SIGNED_CERT_IN_CHAIN))),
        ));
        assert_eq!(
            node_error(&chain),
            (
                "SELF_SIGNED_CERT_IN_CHAIN",
                "self-signed certificate in certificate chain".to_string()
            )
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
