//! XML output for the `ec2` and `query` protocols. Element names come from
//! the generated model (never from input); every text goes through
//! quick-xml's escaping unless it holds nothing to escape.

use std::borrow::Cow;

use quick_xml::escape::escape;

use super::types::{Blob, Timestamp};

/// Writes straight into one buffer: a Describe of a hundred resources is
/// thousands of elements, so no per-element allocation.
pub struct XmlWriter {
    out: Vec<u8>,
}

impl Default for XmlWriter {
    fn default() -> Self {
        Self::new()
    }
}

/// The bytes quick-xml's `escape` rewrites.
fn needs_escape(text: &str) -> bool {
    text.bytes()
        .any(|b| matches!(b, b'<' | b'>' | b'&' | b'\'' | b'"'))
}

impl XmlWriter {
    pub fn new() -> Self {
        let mut out = Vec::with_capacity(4096);
        out.extend_from_slice(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
        XmlWriter { out }
    }

    pub fn start(&mut self, name: &str) {
        self.out.push(b'<');
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(b'>');
    }

    pub fn start_ns(&mut self, name: &str, xmlns: &str) {
        self.out.push(b'<');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b" xmlns=\"");
        self.text(xmlns);
        self.out.extend_from_slice(b"\">");
    }

    pub fn end(&mut self, name: &str) {
        self.out.extend_from_slice(b"</");
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(b'>');
    }

    pub fn text(&mut self, text: &str) {
        if needs_escape(text) {
            self.out.extend_from_slice(escape(text).as_bytes());
        } else {
            self.out.extend_from_slice(text.as_bytes());
        }
    }

    /// `<name>value</name>`
    pub fn element<T: XmlScalar + ?Sized>(&mut self, name: &str, value: &T) {
        self.start(name);
        self.text(&value.xml_text());
        self.end(name);
    }

    pub fn finish(self) -> Vec<u8> {
        self.out
    }
}

/// A scalar's text form in XML.
pub trait XmlScalar {
    fn xml_text(&self) -> Cow<'_, str>;
}

impl XmlScalar for str {
    fn xml_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}
impl XmlScalar for String {
    fn xml_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}
impl XmlScalar for bool {
    fn xml_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(if *self { "true" } else { "false" })
    }
}
impl XmlScalar for i32 {
    fn xml_text(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_string())
    }
}
impl XmlScalar for i64 {
    fn xml_text(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_string())
    }
}
impl XmlScalar for f64 {
    fn xml_text(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_string())
    }
}
impl XmlScalar for Timestamp {
    fn xml_text(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_iso8601())
    }
}
impl XmlScalar for Blob {
    fn xml_text(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_base64())
    }
}

/// A structure that generated code can write as XML child elements.
pub trait ToXml {
    fn write_xml(&self, w: &mut XmlWriter);
}

impl<T: ToXml + ?Sized> ToXml for Box<T> {
    fn write_xml(&self, w: &mut XmlWriter) {
        (**self).write_xml(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_names_are_escaped() {
        let mut w = XmlWriter::new();
        w.start_ns("R", "http://x/");
        w.element("policy", "{\"a\":\"<b>&\"}");
        w.element("ok", &true);
        w.element("plain", "a-b.c");
        w.element("apos", "it's");
        w.end("R");
        let s = String::from_utf8(w.finish()).unwrap();
        assert_eq!(
            s,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><R xmlns=\"http://x/\"><policy>{&quot;a&quot;:&quot;&lt;b&gt;&amp;&quot;}</policy><ok>true</ok><plain>a-b.c</plain><apos>it&apos;s</apos></R>"
        );
    }
}
