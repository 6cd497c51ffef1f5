//! Who may post webhooks: HubSpot's request signature v3 and Pipedrive's basic auth.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// No signature or credentials.
    Missing,
    /// A signature or password that does not match.
    Wrong,
    /// A signed timestamp too old (or too far ahead): a replay.
    Stale,
    /// A HubSpot signature made for another URL than the one configured: the secret is
    /// right, `bridge.hubspot.public_url` is not.
    WrongUrl,
}

impl Denied {
    pub const ALL: [Denied; 4] = [Denied::Missing, Denied::Wrong, Denied::Stale, Denied::WrongUrl];

    /// The bounded `reason` label.
    pub fn reason(&self) -> &'static str {
        match self {
            Denied::Missing => "unauthenticated",
            Denied::Wrong => "bad_credentials",
            Denied::Stale => "stale",
            Denied::WrongUrl => "wrong_url",
        }
    }
}

/// A request as HubSpot signs it.
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    pub method: &'a str,
    /// The full URI: scheme, host, path and query.
    pub uri: &'a str,
    pub body: &'a [u8],
    /// `X-HubSpot-Request-Timestamp`.
    pub timestamp: Option<&'a str>,
    /// `X-HubSpot-Signature-v3`.
    pub signature: Option<&'a str>,
}

/// HubSpot signature v3: base64 of HMAC-SHA256, keyed by the app secret, of method, full
/// URI, body and the timestamp (epoch ms), which must be within `max_age` of `now_ms`.
pub fn hubspot_v3(secret: &str, r: Signed<'_>, max_age: Duration, now_ms: i64) -> Result<(), Denied> {
    let (method, uri, body) = (r.method, r.uri, r.body);
    let (Some(ts), Some(sig)) = (r.timestamp, r.signature) else { return Err(Denied::Missing) };
    let ms: i64 = ts.trim().parse().map_err(|_| Denied::Wrong)?;
    let max = i64::try_from(max_age.as_millis()).unwrap_or(i64::MAX);
    if now_ms.saturating_sub(ms) > max || ms.saturating_sub(now_ms) > max {
        return Err(Denied::Stale);
    }
    let given = STANDARD.decode(sig.trim()).map_err(|_| Denied::Wrong)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|_| Denied::Wrong)?;
    mac.update(method.as_bytes());
    mac.update(uri.as_bytes());
    mac.update(body);
    mac.update(ts.trim().as_bytes());
    mac.verify_slice(&given).map_err(|_| Denied::Wrong)
}

/// The URI among `others` that a request refused as [`Denied::Wrong`] was signed for, if
/// any: HubSpot signs the URL it posts to, so a signature that matches another scheme or
/// host says the configured public URL is wrong, not the secret.
pub fn hubspot_v3_signed_for<'a>(secret: &str, r: Signed<'_>, others: &'a [String]) -> Option<&'a str> {
    let (Some(ts), Some(sig)) = (r.timestamp, r.signature) else { return None };
    let given = STANDARD.decode(sig.trim()).ok()?;
    others.iter().map(String::as_str).find(|uri| {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return false };
        for part in [r.method.as_bytes(), uri.as_bytes(), r.body, ts.trim().as_bytes()] {
            mac.update(part);
        }
        mac.verify_slice(&given).is_ok()
    })
}

/// The v3 signature of a request (what HubSpot sends), for tests and tools.
pub fn hubspot_v3_sign(secret: &str, method: &str, uri: &str, body: &[u8], timestamp: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    for part in [method.as_bytes(), uri.as_bytes(), body, timestamp.as_bytes()] {
        mac.update(part);
    }
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Checks an `Authorization: Basic` header against the configured user and password, in
/// time that does not depend on where they differ.
pub fn basic(header: Option<&str>, user: &str, password: &str) -> Result<(), Denied> {
    let encoded = header.and_then(|h| h.strip_prefix("Basic ")).ok_or(Denied::Missing)?;
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| Denied::Wrong)?;
    let expected = format!("{user}:{password}");
    if same(&decoded, expected.as_bytes()) { Ok(()) } else { Err(Denied::Wrong) }
}

fn same(a: &[u8], b: &[u8]) -> bool {
    // Compare MACs of both under a fixed key: equal length, constant-time comparison.
    let tag = |x: &[u8]| {
        let mut mac = Hmac::<Sha256>::new_from_slice(b"salespulse basic auth").expect("any key length");
        mac.update(x);
        mac
    };
    tag(a).verify_slice(&tag(b).finalize().into_bytes()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const URI: &str = "https://bridge.example.com/webhooks/hubspot";

    #[test]
    fn a_signature_made_with_the_secret_passes_and_anything_else_fails() {
        let (body, ts, age) = (br#"[{"eventId":1}]"#.as_slice(), "1732600000000", Duration::from_secs(300));
        let sig = hubspot_v3_sign("s3cret", "POST", URI, body, ts);
        let check = |secret, body: &[u8], signature: Option<&str>, now| {
            let r = Signed { method: "POST", uri: URI, body, timestamp: Some(ts), signature };
            hubspot_v3(secret, r, age, now)
        };
        assert_eq!(check("s3cret", body, Some(&sig), 1_732_600_001_000), Ok(()));
        assert_eq!(check("other", body, Some(&sig), 1_732_600_001_000), Err(Denied::Wrong));
        assert_eq!(check("s3cret", b"[]", Some(&sig), 1_732_600_001_000), Err(Denied::Wrong));
        assert_eq!(check("s3cret", body, None, 1_732_600_001_000), Err(Denied::Missing));
        assert_eq!(check("s3cret", body, Some(&sig), 1_732_600_000_000 + 301_000), Err(Denied::Stale));
        let http = URI.replace("https://", "http://");
        let r = Signed { method: "POST", uri: &http, body, timestamp: Some(ts), signature: Some(&sig) };
        assert_eq!(hubspot_v3("s3cret", r, age, 1_732_600_001_000), Err(Denied::Wrong));
        let others = [format!("{http}?x"), URI.to_owned()];
        assert_eq!(hubspot_v3_signed_for("s3cret", r, &others), Some(URI), "signed for https");
        assert_eq!(hubspot_v3_signed_for("other", r, &others), None);
    }

    #[test]
    fn basic_auth_takes_only_the_right_pair() {
        let header = |s: &str| format!("Basic {}", STANDARD.encode(s));
        assert_eq!(basic(Some(&header("pd:pw")), "pd", "pw"), Ok(()));
        assert_eq!(basic(Some(&header("pd:nope")), "pd", "pw"), Err(Denied::Wrong));
        assert_eq!(basic(Some(&header("pd:pw2")), "pd", "pw"), Err(Denied::Wrong));
        assert_eq!(basic(None, "pd", "pw"), Err(Denied::Missing));
        assert_eq!(basic(Some("Bearer x"), "pd", "pw"), Err(Denied::Missing));
    }
}
