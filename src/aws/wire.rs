//! Text that carries its own lengths: what awsp keeps beside the profile index. Numbers
//! are written in ASCII digits of six bits each (a byte `0x40 | bits` when more follow,
//! else `bits`), so that the whole of it is UTF-8 exactly when every text in it is, and
//! one check of the whole replaces one per text.

/// Appends to a text.
pub struct Writer<'a>(pub &'a mut String);

impl Writer<'_> {
    pub fn num(&mut self, mut n: u64) {
        while n >= 0x40 {
            self.0.push(char::from(0x40 | (n & 0x3f) as u8));
            n >>= 6;
        }
        self.0.push(char::from(n as u8));
    }

    pub fn text(&mut self, s: &str) {
        self.num(s.len() as u64);
        self.0.push_str(s);
    }

    /// An absent text is written as length 0, a present one as its length plus one.
    pub fn maybe(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.num(s.len() as u64 + 1);
                self.0.push_str(s);
            }
            None => self.num(0),
        }
    }

    pub fn texts<S: AsRef<str>>(&mut self, all: &[S]) {
        self.num(all.len() as u64);
        for s in all {
            self.text(s.as_ref());
        }
    }
}

/// Reads what a [`Writer`] wrote; every read is `None` past the end or on anything a
/// writer would not have written.
pub struct Reader<'a>(pub &'a str);

impl<'a> Reader<'a> {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn num(&mut self) -> Option<u64> {
        let mut n = 0u64;
        for (i, b) in self.0.bytes().enumerate().take(11) {
            n |= u64::from(b & 0x3f) << (6 * i);
            match b {
                0x40..=0x7f => {}
                0..=0x3f => {
                    self.0 = &self.0[i + 1..];
                    return Some(n);
                }
                _ => return None,
            }
        }
        None
    }

    fn take(&mut self, n: u64) -> Option<&'a str> {
        let n = usize::try_from(n).ok()?;
        let s = self.0.get(..n)?;
        self.0 = &self.0[n..];
        Some(s)
    }

    pub fn str(&mut self) -> Option<&'a str> {
        let n = self.num()?;
        self.take(n)
    }

    // The owned reads below write into what they are given, over what it held, so that
    // decoding 10,000 rows into one reused value allocates next to nothing.

    pub fn text(&mut self, into: &mut String) -> Option<()> {
        into.replace_range(.., self.str()?);
        Some(())
    }

    pub fn maybe(&mut self, into: &mut Option<String>) -> Option<()> {
        match self.num()? {
            0 => *into = None,
            n => into
                .get_or_insert_with(String::new)
                .replace_range(.., self.take(n - 1)?),
        }
        Some(())
    }

    /// The count of a list of texts written by [`Writer::texts`].
    pub fn count(&mut self) -> Option<usize> {
        let n = usize::try_from(self.num()?).ok()?;
        // Each text takes a byte at least.
        (n <= self.0.len()).then_some(n)
    }

    pub fn texts(&mut self, into: &mut Vec<String>) -> Option<()> {
        let n = self.count()?;
        into.truncate(n);
        for i in 0..n {
            match into.get_mut(i) {
                Some(v) => self.text(v)?,
                None => into.push(self.str()?.to_string()),
            }
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_written_reads_back_and_stays_utf8() {
        let mut s = String::new();
        let mut w = Writer(&mut s);
        for n in [0, 1, 63, 64, 4095, 4096, u64::from(u32::MAX), u64::MAX] {
            w.num(n);
        }
        w.text("é✓");
        w.maybe(None);
        w.maybe(Some(""));
        w.texts(&["a", "", "ü"]);
        assert!(!s.is_ascii() && std::str::from_utf8(s.as_bytes()).is_ok());
        // Read twice: into fresh values, then over what the first read left in them.
        let (mut text, mut none, mut empty, mut texts) = (
            String::new(),
            Some("x".to_string()),
            None,
            vec![String::new(); 5],
        );
        for _ in 0..2 {
            let mut r = Reader(&s);
            for n in [0, 1, 63, 64, 4095, 4096, u64::from(u32::MAX), u64::MAX] {
                assert_eq!(r.num(), Some(n));
            }
            assert_eq!(r.text(&mut text), Some(()));
            assert_eq!(text, "é✓");
            assert_eq!(r.maybe(&mut none), Some(()));
            assert_eq!(none, None);
            assert_eq!(r.maybe(&mut empty), Some(()));
            assert_eq!(empty.as_deref(), Some(""));
            assert_eq!(r.texts(&mut texts), Some(()));
            assert_eq!(texts, ["a", "", "ü"]);
            assert!(r.is_empty());
            texts.truncate(1);
        }
        // A length past the end, or into the middle of a character: no text.
        assert_eq!(Reader("\u{5}ab").str(), None);
        assert_eq!(Reader("\u{1}é").str(), None);
        assert_eq!(Reader("\u{7f}\u{7f}").num(), None);
        // More texts than bytes left: not a list a writer wrote.
        assert_eq!(Reader("\u{3}a").count(), None);
    }
}
