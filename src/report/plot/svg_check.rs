//! For tests: an SVG parsed by a real XML parser, so a plot that is not well-formed fails,
//! and its elements can be counted and read.

use xml::reader::{EventReader, XmlEvent};

#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    /// The character data directly inside the element (a `<text>`'s words).
    pub text: String,
}

impl Element {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Every element in document order; panics with the parser's message on malformed XML or a
/// root other than `<svg>`.
pub fn parse(svg: &str) -> Vec<Element> {
    let elements = parse_xml(svg);
    assert_eq!(elements.first().map(|e| e.name.as_str()), Some("svg"));
    elements
}

/// Every element of an XML document (one root, any name) in document order; panics with the
/// parser's message where it is not well-formed.
pub fn parse_xml(document: &str) -> Vec<Element> {
    let mut elements: Vec<Element> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    for event in EventReader::from_str(document) {
        match event.unwrap_or_else(|e| panic!("not well-formed XML: {e}\n{document}")) {
            XmlEvent::StartElement {
                name, attributes, ..
            } => {
                open.push(elements.len());
                elements.push(Element {
                    name: name.local_name,
                    attributes: attributes
                        .into_iter()
                        .map(|a| (a.name.local_name, a.value))
                        .collect(),
                    text: String::new(),
                });
            }
            XmlEvent::EndElement { .. } => {
                open.pop();
            }
            XmlEvent::Characters(text) => {
                let at = *open.last().expect("text outside the root");
                elements[at].text.push_str(&text);
            }
            _ => {}
        }
    }
    elements
}

/// The words of every `<text>` element (the backend puts each on a line of its own).
pub fn texts(elements: &[Element]) -> Vec<&str> {
    elements
        .iter()
        .filter(|e| e.name == "text")
        .map(|e| e.text.trim())
        .collect()
}

/// The elements named `name` whose `attribute` is `value` (a fill or stroke colour, say).
pub fn with<'a>(
    elements: &'a [Element],
    name: &str,
    attribute: &str,
    value: &str,
) -> Vec<&'a Element> {
    elements
        .iter()
        .filter(|e| e.name == name && e.attribute(attribute) == Some(value))
        .collect()
}

/// `#RRGGBB` as plotters' SVG backend writes a colour.
pub fn hex(c: plotters::style::RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}
