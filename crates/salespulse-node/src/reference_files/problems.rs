//! The problems of one reload of the reference files, bounded: a file of garbage logs
//! its first problems and a count of the rest, not a line per bad line.

/// Problems listed per reload; the rest are counted.
pub const MAX_PROBLEMS: usize = 20;

/// The problems of one reload: the first [`MAX_PROBLEMS`], and how many more.
#[derive(Debug, Default)]
pub struct Problems {
    list: Vec<String>,
    more: usize,
}

impl Problems {
    pub fn push(&mut self, problem: String) {
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(problem);
        } else {
            self.more += 1;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Problems found, listed or not.
    pub fn count(&self) -> usize {
        self.list.len() + self.more
    }

    /// The problems listed, then "... and N more problems" when some were not.
    pub fn into_lines(self) -> Vec<String> {
        let mut out = self.list;
        if self.more > 0 {
            out.push(format!("... and {} more problems", self.more));
        }
        out
    }
}
