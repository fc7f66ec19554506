//! Fitting a comment under a size limit by leaving out whole items, never cutting one in
//! half (a cut fence or table would garble everything after it). Change details go
//! first, the largest first, so as many as possible survive; then list items from the
//! end of the least important sections. A visible note says what was left out.

/// Which item of a section is left out first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// The largest, ties from the end.
    LargestFirst,
    FromEnd,
}

/// A heading and a list of items that can be left out one by one.
pub struct Section {
    pub head: String,
    pub items: Vec<String>,
    /// Plural noun of the items, for the notes (`change details`).
    pub noun: &'static str,
    pub order: Order,
    /// Sections with a lower rank lose items first.
    pub rank: u8,
}

/// A document: a head that always stays, then sections.
pub struct Doc {
    pub head: String,
    pub sections: Vec<Section>,
}

/// Length as GitHub may count it: UTF-16 code units are never fewer than characters,
/// so a text that fits in them fits either way.
pub fn units(s: &str) -> usize {
    s.encode_utf16().count()
}

fn more_line(n: usize, noun: &str) -> String {
    format!("\n*{n} more {noun} left out; see the note at the top.*\n")
}

impl Doc {
    /// The document in at most `budget` units if its head and section headings fit.
    /// `note` words the note from the list of omissions (`3 of 40 change details`).
    pub fn fit(self, budget: usize, note: impl Fn(&str) -> String) -> String {
        let sizes: Vec<Vec<usize>> = self
            .sections
            .iter()
            .map(|s| s.items.iter().map(|i| units(i)).collect())
            .collect();
        let mut kept: Vec<Vec<bool>> = sizes.iter().map(|v| vec![true; v.len()]).collect();
        let mut dropped = vec![0usize; self.sections.len()];
        let mut kept_size: Vec<usize> = sizes.iter().map(|v| v.iter().sum()).collect();

        let mut queue: Vec<(usize, usize)> = Vec::new();
        let mut by_rank: Vec<usize> = (0..self.sections.len()).collect();
        by_rank.sort_by_key(|&i| self.sections[i].rank);
        for s in by_rank {
            let mut idx: Vec<usize> = (0..sizes[s].len()).rev().collect();
            if self.sections[s].order == Order::LargestFirst {
                idx.sort_by(|a, b| sizes[s][*b].cmp(&sizes[s][*a]));
            }
            queue.extend(idx.into_iter().map(|i| (s, i)));
        }
        let mut queue = queue.into_iter();

        let total = |dropped: &[usize], kept_size: &[usize]| -> usize {
            let mut t = units(&self.head);
            let mut omissions = Vec::new();
            for (i, s) in self.sections.iter().enumerate() {
                t += units(&s.head) + kept_size[i];
                if dropped[i] > 0 {
                    t += units(&more_line(dropped[i], s.noun));
                    omissions.push(format!("{} of {} {}", dropped[i], s.items.len(), s.noun));
                }
            }
            if !omissions.is_empty() {
                t += units(&note(&omissions.join(", ")));
            }
            t
        };
        while total(&dropped, &kept_size) > budget {
            let Some((s, i)) = queue.next() else { break };
            kept[s][i] = false;
            dropped[s] += 1;
            kept_size[s] -= sizes[s][i];
        }

        let omissions: Vec<String> = self
            .sections
            .iter()
            .zip(&dropped)
            .filter(|(_, d)| **d > 0)
            .map(|(s, d)| format!("{d} of {} {}", s.items.len(), s.noun))
            .collect();
        let mut out = self.head.clone();
        if !omissions.is_empty() {
            out.push_str(&note(&omissions.join(", ")));
        }
        for (si, s) in self.sections.iter().enumerate() {
            out.push_str(&s.head);
            for (ii, item) in s.items.iter().enumerate() {
                if kept[si][ii] {
                    out.push_str(item);
                }
            }
            if dropped[si] > 0 {
                out.push_str(&more_line(dropped[si], s.noun));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(c: char, n: usize) -> String {
        format!("{}\n", c.to_string().repeat(n))
    }

    /// Rows of 100 units, details of 1000, 3000 and 2000.
    fn doc() -> Doc {
        Doc {
            head: "H\n".into(),
            sections: vec![
                Section {
                    head: "rows\n".into(),
                    items: vec![item('r', 99), item('s', 99)],
                    noun: "rows",
                    order: Order::FromEnd,
                    rank: 1,
                },
                Section {
                    head: "details\n".into(),
                    items: vec![item('a', 999), item('b', 2999), item('c', 1999)],
                    noun: "details",
                    order: Order::LargestFirst,
                    rank: 0,
                },
            ],
        }
    }

    fn note(s: &str) -> String {
        format!("NOTE {s}\n")
    }

    #[test]
    fn everything_stays_when_it_fits() {
        let out = doc().fit(10_000, note);
        assert!(!out.contains("NOTE"));
        assert_eq!(units(&out), 2 + 5 + 200 + 8 + 6000);
    }

    #[test]
    fn largest_details_go_first_and_are_counted() {
        let out = doc().fit(5_000, note);
        assert!(units(&out) <= 5_000, "{out}");
        let has = |c: &str, n| out.contains(&c.repeat(n));
        assert!(!has("b", 2999) && has("c", 1999) && has("a", 999));
        assert!(out.contains("NOTE 1 of 3 details\n"), "{out}");
        assert!(out.contains("*1 more details left out"));
    }

    #[test]
    fn rows_go_from_the_end_after_all_details() {
        let out = doc().fit(260, note);
        assert!(units(&out) <= 260, "{out}");
        assert!(out.contains("NOTE 1 of 2 rows, 3 of 3 details"), "{out}");
        assert!(out.contains(&"r".repeat(99)) && !out.contains(&"s".repeat(99)));
    }

    #[test]
    fn utf16_units_count_astral_characters_twice() {
        assert_eq!(units("a\u{1F600}é"), 4);
    }
}
