//! "Did you mean": the names closest to one that does not exist.

/// Up to three existing names that `wanted` may have meant.
pub fn closest<'a>(wanted: &str, names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let w = wanted.to_lowercase();
    let mut scored: Vec<(usize, &str)> = names
        .filter_map(|n| {
            let l = n.to_lowercase();
            let score = if l == w {
                0
            } else if (l.contains(&w) && w.len() >= 3) || (w.contains(&l) && l.len() >= 3) {
                1
            } else {
                let d = edit_distance(&l, &w);
                if d <= 2.max(w.chars().count() / 4) {
                    1 + d
                } else {
                    return None;
                }
            };
            Some((score, n))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, n)| n.into()).collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_names() {
        let names = ["prod-admin", "dev-admin", "Staging"];
        assert_eq!(closest("prod-admn", names.into_iter()), ["prod-admin"]);
        assert_eq!(closest("staging", names.into_iter()), ["Staging"]);
        assert!(closest("zzzzzz", names.into_iter()).is_empty());
        assert_eq!(edit_distance("prod", "prd"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
