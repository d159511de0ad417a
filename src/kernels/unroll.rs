//! A register block written out in WGSL: one variable per accumulator and every multiply-add
//! spelled out, for one TM×TN4 shape, spliced into a kernel's template at its `//% NAME` lines.
//!
//! Why not loops over an accumulator array: a driver keeps such an array in registers only if
//! its compiler unrolls every loop that indexes it. Mesa's lavapipe did not (a loop with an
//! early exit was enough), kept the array in memory, and ran the same kernel 3–4× slower.

use std::fmt::Write;

/// TM rows by TN4 vec4 columns of C, accumulated in `c{i}_{j}`.
#[derive(Debug, Clone, Copy)]
pub struct RegisterBlock {
    pub tm: u32,
    pub tn4: u32,
}

const COMPONENTS: [&str; 4] = ["x", "y", "z", "w"];

impl RegisterBlock {
    /// `var c{i}_{j} = vec4<ty>(0.0);` for every accumulator.
    pub fn declare(&self, indent: &str, ty: &str) -> String {
        self.each(|i, j| format!("{indent}var c{i}_{j} = vec4<{ty}>(0.0);\n"))
    }

    /// The multiply-adds for four consecutive k: for each k (`q` = 0..3), `b{q}_{j} = b(q, j)`
    /// for the TN4 vec4s of B's row, then `c{i}_{j} += a(i, component q) * b{q}_{j}`.
    pub fn multiply(
        &self,
        indent: &str,
        b: impl Fn(u32, u32) -> String,
        a: impl Fn(u32, &str) -> String,
    ) -> String {
        let mut out = String::new();
        for (q, component) in (0u32..).zip(COMPONENTS) {
            for j in 0..self.tn4 {
                // `write!` to a String cannot fail.
                let _ = writeln!(out, "{indent}let b{q}_{j} = {};", b(q, j));
            }
            out.push_str(&self.each(|i, j| {
                let a = a(i, component);
                format!("{indent}c{i}_{j} = fma({a}, b{q}_{j}, c{i}_{j});\n")
            }));
        }
        out
    }

    /// `store(i, j, "c{i}_{j}")` for every accumulator.
    pub fn store(&self, store: impl Fn(u32, u32, &str) -> String) -> String {
        self.each(|i, j| store(i, j, &format!("c{i}_{j}")))
    }

    fn each(&self, line: impl Fn(u32, u32) -> String) -> String {
        let mut out = String::new();
        for i in 0..self.tm {
            for j in 0..self.tn4 {
                out.push_str(&line(i, j));
            }
        }
        out
    }
}

/// `template` with each line `//% NAME` replaced by the code `parts` gives for NAME.
///
/// Panics on a marker without code: the templates are compiled in, so that is a bug that every
/// kernel's tests hit at once.
pub fn expand(template: &str, parts: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() * 2);
    for line in template.lines() {
        match line.trim().strip_prefix("//% ") {
            Some(name) => {
                let (_, code) = parts
                    .iter()
                    .find(|(n, _)| *n == name)
                    .unwrap_or_else(|| panic!("kernel template: no code for //% {name}"));
                out.push_str(code);
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// Whether `source` still holds a `//% NAME` line.
#[cfg(test)]
pub fn has_markers(source: &str) -> bool {
    source.lines().any(|l| l.trim().starts_with("//% "))
}

/// naga's verdict on a generated kernel, with every capability a device might offer.
#[cfg(test)]
pub fn validate(source: &str) -> Result<(), String> {
    let module = naga::front::wgsl::parse_str(source).map_err(|e| e.emit_to_string(source))?;
    naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::all(),
    )
    .validate(&module)
    .map(|_| ())
    .map_err(|e| format!("{e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_has_one_accumulator_and_four_fmas_per_element() {
        let block = RegisterBlock { tm: 2, tn4: 3 };
        assert_eq!(block.declare("", "f32").matches("var c").count(), 6);
        let mul = block.multiply(
            "",
            |q, j| format!("B[{q}][{j}]"),
            |i, c| format!("a{i}.{c}"),
        );
        assert_eq!(mul.matches("= fma(").count(), 4 * 6);
        assert_eq!(mul.matches("let b").count(), 4 * 3);
        assert!(mul.contains("c1_2 = fma(a1.w, b3_2, c1_2);"));
        let st = block.store(|i, j, v| format!("S({i},{j},{v});"));
        assert!(st.contains("S(1,2,c1_2);"));
    }

    #[test]
    fn expand_replaces_markers_and_keeps_other_lines() {
        let out = expand("a\n  //% X\nb // not //% Y\n", &[("X", "x1\nx2\n")]);
        assert_eq!(out, "a\nx1\nx2\nb // not //% Y\n");
        assert!(!has_markers(&out));
        assert!(has_markers("  //% X"));
    }

    #[test]
    #[should_panic(expected = "no code for //% Y")]
    fn a_marker_without_code_is_a_bug() {
        expand("//% Y\n", &[]);
    }
}
