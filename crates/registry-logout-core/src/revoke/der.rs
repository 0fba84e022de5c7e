//! The few fields of an X.509 certificate that TLS setup and Node's codes need (issuer,
//! subject, public key), read from its DER bytes without parsing the rest: a leaf that
//! webpki refuses (an X.509 v1 certificate, say) is still read as OpenSSL reads it.

/// Issuer and subject names are the same DER bytes.
pub(super) fn is_self_issued(der: &[u8]) -> bool {
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
pub(super) fn subject_public_key(cert_der: &[u8]) -> Option<&[u8]> {
    key_bits(tbs_fields(cert_der)?.spki)
}

/// The public key bits of a whole `SubjectPublicKeyInfo` (as rustls' `public_key()`
/// gives it). Only the key bits are compared: the same key may be written with
/// differently encoded algorithm parameters.
pub(super) fn spki_key_bits(spki_der: &[u8]) -> Option<&[u8]> {
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
    }
}
