//! A small aligned text table, for every human-readable listing.

/// Rows of cells printed in columns, the first row as the header.
pub struct Table {
    rows: Vec<Vec<String>>,
    /// Columns right-aligned (numbers).
    right: Vec<bool>,
}

impl Table {
    pub fn new(header: &[&str]) -> Self {
        Table {
            rows: vec![header.iter().map(|s| s.to_string()).collect()],
            right: vec![false; header.len()],
        }
    }

    pub fn right_align(mut self, columns: &[usize]) -> Self {
        for &c in columns {
            self.right[c] = true;
        }
        self
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        let columns = self.right.len();
        let widths: Vec<usize> = (0..columns)
            .map(|c| {
                self.rows
                    .iter()
                    .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for row in &self.rows {
            let cells: Vec<String> = (0..columns)
                .map(|c| {
                    let cell = row.get(c).map_or("", |s| s.as_str());
                    if self.right[c] {
                        format!("{cell:>w$}", w = widths[c])
                    } else {
                        format!("{cell:<w$}", w = widths[c])
                    }
                })
                .collect();
            out.push_str(cells.join("  ").trim_end());
            out.push('\n');
        }
        out
    }
}

/// `rows` under `header`, the first `left` columns left-aligned and the rest (numbers)
/// right-aligned.
pub fn render_left(header: &[&str], left: usize, rows: &[Vec<String>]) -> String {
    let numbers: Vec<usize> = (left..header.len()).collect();
    let mut table = Table::new(header).right_align(&numbers);
    for row in rows {
        table.row(row.clone());
    }
    table.render()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns() {
        let mut t = Table::new(&["name", "value"]).right_align(&[1]);
        t.row(vec!["a".into(), "1.5".into()]);
        t.row(vec!["longer".into(), "22.25".into()]);
        assert_eq!(t.render(), "name    value\na         1.5\nlonger  22.25\n");
    }

    #[test]
    fn render_left_right_aligns_the_rest() {
        let rows = [
            vec!["a".into(), "1".into()],
            vec!["long".into(), "100".into()],
        ];
        assert_eq!(
            render_left(&["name", "value"], 1, &rows),
            "name  value\na         1\nlong    100\n"
        );
    }
}
