//! The coarse user-agent class kept with a receipt: a browser family and its major version, and
//! nothing finer. The full header would help fingerprint a visitor, so it is read once, reduced
//! here, and dropped.

/// `"Firefox 133"`, `"Chrome 131"`, `"bot"` or `"other"`.
pub fn classify(user_agent: Option<&str>) -> String {
    let Some(ua) = user_agent else {
        return "other".into();
    };
    let lower = ua.to_ascii_lowercase();
    if ["bot", "crawler", "spider", "headlesschrome"]
        .iter()
        .any(|w| lower.contains(w))
    {
        return "bot".into();
    }
    // Order matters: Edge, Opera and Samsung Internet also say "Chrome/", Chrome also says
    // "Safari/", so the more specific tokens come first.
    const FAMILIES: [(&str, &str); 8] = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("SamsungBrowser/", "Samsung Internet"),
        ("Firefox/", "Firefox"),
        ("FxiOS/", "Firefox"),
        ("CriOS/", "Chrome"),
        ("Chrome/", "Chrome"),
        ("Version/", "Safari"),
    ];
    for (token, family) in FAMILIES {
        if family == "Safari" && !ua.contains("Safari/") {
            continue;
        }
        if let Some(at) = ua.find(token) {
            let major: String = ua[at + token.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .take(4)
                .collect();
            return if major.is_empty() {
                family.to_owned()
            } else {
                format!("{family} {major}")
            };
        }
    }
    "other".into()
}

#[cfg(test)]
mod tests {
    use super::classify;

    #[test]
    fn keeps_family_and_major_only() {
        let cases = [
            ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox 133"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.86 Safari/537.36", "Chrome 131"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.70", "Edge 131"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", "Safari 18"),
            ("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36", "Samsung Internet 26"),
            ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "bot"),
            ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36", "bot"),
            ("curl/8.5.0", "other"),
            ("Chrome/99999999999999", "Chrome 9999"),
        ];
        for (ua, class) in cases {
            assert_eq!(classify(Some(ua)), class, "{ua}");
        }
        assert_eq!(classify(None), "other");
    }
}
