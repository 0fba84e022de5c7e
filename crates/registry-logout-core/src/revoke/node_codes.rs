//! The codes Node reports for TLS failures: OpenSSL's X509 verification results by
//! Node's names (`SELF_SIGNED_CERT_IN_CHAIN`, `UNABLE_TO_GET_ISSUER_CERT_LOCALLY`, …),
//! alerts as `ERR_SSL_…`, and the `ERR_OSSL_…` codes of a client certificate Node would
//! refuse. The TLS setup is `tls`'s; the certificate fields that tell which code
//! applies are read by `der`.

use rustls::pki_types::CertificateDer;

use super::der::is_self_issued;

/// OpenSSL's code, as Node reports it, for a key that is not the certificate's
/// (`tls.createSecureContext({ cert, key })` throws it).
pub(crate) const KEY_VALUES_MISMATCH: &str = "ERR_OSSL_X509_KEY_VALUES_MISMATCH";
/// Node's code for a `cert` with no PEM certificate in it.
pub(crate) const PEM_NO_START_LINE: &str = "ERR_OSSL_PEM_NO_START_LINE";
/// Node's code for a `key` that no decoder reads.
pub(crate) const UNSUPPORTED_KEY: &str = "ERR_OSSL_UNSUPPORTED";

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
/// OpenSSL's verdict when no trusted issuer was found: a self-signed certificate in
/// what the server sent, a lone self-signed leaf, a lone leaf, or a longer chain.
pub(super) fn unknown_issuer_code(
    end_entity: &[u8],
    intermediates: &[CertificateDer<'_>],
) -> NodeTls {
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn a_leaf_that_cannot_be_read_is_unable_to_verify_leaf_signature() {
        assert_eq!(
            unknown_issuer_code(b"junk", &[]).code,
            "UNABLE_TO_VERIFY_LEAF_SIGNATURE"
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
}
