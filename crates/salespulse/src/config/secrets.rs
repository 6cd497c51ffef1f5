//! Kafka client secrets from the environment: `SALESPULSE_KAFKA_SASL_PASSWORD`, or
//! `SALESPULSE_KAFKA_SASL_PASSWORD_FILE` naming a file that holds it (a mounted Secret, a
//! systemd credential), and the same for every key of [`SECRET_PROPERTIES`]. Values are
//! never logged or printed: problems name the variable, not what it holds. The bridge's
//! secrets come the same way: `SALESPULSE_BRIDGE_HUBSPOT_APP_SECRET` and
//! `SALESPULSE_BRIDGE_PIPEDRIVE_PASSWORD` (or their `_FILE`).

/// librdkafka properties that hold secrets.
pub const SECRET_PROPERTIES: [&str; 5] =
    ["sasl.password", "ssl.key.password", "ssl.keystore.password", "sasl.oauthbearer.client.secret", "ssl.key.pem"];

/// The environment variable of a property: `sasl.password` → `SALESPULSE_KAFKA_SASL_PASSWORD`.
pub fn variable(property: &str) -> String {
    format!("SALESPULSE_KAFKA_{}", property.to_ascii_uppercase().replace('.', "_"))
}

/// The secret properties set in the environment, read through `env` (a variable's value,
/// if set). `NAME` wins over `NAME_FILE`; a file's trailing newline is not part of it.
pub fn from_env(env: impl Fn(&str) -> Option<String>, errors: &mut Vec<String>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for property in SECRET_PROPERTIES {
        let name = variable(property);
        if let Some(value) = env(&name) {
            out.push((property.to_owned(), value));
            continue;
        }
        let Some(path) = env(&format!("{name}_FILE")) else { continue };
        match std::fs::read_to_string(&path) {
            Ok(text) => out.push((property.to_owned(), text.trim_end_matches(['\r', '\n']).to_owned())),
            Err(e) => errors.push(format!("{name}_FILE: cannot read {path}: {e}")),
        }
    }
    out
}

/// One secret of `[bridge]`: the variable `name`, else the file `name_FILE` names.
pub fn one(name: &str, env: impl Fn(&str) -> Option<String>, errors: &mut Vec<String>) -> Option<String> {
    if let Some(value) = env(name) {
        return Some(value);
    }
    let path = env(&format!("{name}_FILE"))?;
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text.trim_end_matches(['\r', '\n']).to_owned()),
        Err(e) => {
            errors.push(format!("{name}_FILE: cannot read {path}: {e}"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_come_from_variables_or_files_and_errors_never_show_them() {
        let dir = std::env::temp_dir().join(format!("salespulse-secrets-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("password");
        std::fs::write(&file, "from-a-file\n").unwrap();
        let path = file.display().to_string();
        let env = |name: &str| match name {
            "SALESPULSE_KAFKA_SASL_PASSWORD_FILE" => Some(path.clone()),
            "SALESPULSE_KAFKA_SSL_KEY_PASSWORD" => Some("from-a-variable".to_owned()),
            "SALESPULSE_KAFKA_SSL_KEY_PASSWORD_FILE" => Some("/ignored".to_owned()),
            "SALESPULSE_KAFKA_SSL_KEYSTORE_PASSWORD_FILE" => Some("/nonexistent/secret".to_owned()),
            _ => None,
        };
        let mut errors = Vec::new();
        let got = from_env(env, &mut errors);
        assert_eq!(
            got,
            [
                ("sasl.password".to_owned(), "from-a-file".to_owned()),
                ("ssl.key.password".to_owned(), "from-a-variable".to_owned())
            ]
        );
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("SALESPULSE_KAFKA_SSL_KEYSTORE_PASSWORD_FILE: cannot read /nonexistent/secret"));
    }
}
