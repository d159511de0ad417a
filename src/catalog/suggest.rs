//! "Did you mean" for mistyped names: the closest known name by edit distance.

/// Levenshtein distance, case-insensitive, on chars.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != cb);
            cur[j + 1] = substitute.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The known name closest to `wanted`, if any is close enough to be a plausible typo
/// (or contains it / is contained in it, e.g. "h100" for "h100-sxm").
pub fn closest<'a>(wanted: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = wanted.to_lowercase();
    known
        .into_iter()
        .map(|name| {
            let d = if name.to_lowercase().contains(&lower) || lower.contains(&name.to_lowercase())
            {
                0
            } else {
                distance(wanted, name)
            };
            (d, name)
        })
        .filter(|(d, name)| *d <= (name.len().max(wanted.len()) / 2).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, name)| name)
}

/// "unknown model 'x' (did you mean 'y'?); known: a, b, c".
pub fn unknown_name_message<'a>(
    what: &str,
    wanted: &str,
    known: impl IntoIterator<Item = &'a str> + Clone,
) -> String {
    let list: Vec<&str> = known.clone().into_iter().collect();
    match closest(wanted, known) {
        Some(best) => format!(
            "unknown {what} '{wanted}' (did you mean '{best}'?); known: {}",
            list.join(", ")
        ),
        None => format!("unknown {what} '{wanted}'; known: {}", list.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("h800", "h800"), 0);
        assert_eq!(distance("h80", "h800"), 1);
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn suggests_close_names_only() {
        let known = ["h800", "h100-sxm", "a100-80gb"];
        assert_eq!(closest("h8000", known), Some("h800"));
        assert_eq!(closest("H100", known), Some("h100-sxm"));
        assert_eq!(closest("tpu-v5p-pod", known), None);
    }
}
