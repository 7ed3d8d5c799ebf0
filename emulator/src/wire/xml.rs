//! XML output for the `ec2` and `query` protocols, written through quick-xml so
//! that every name and text is escaped by the library, never by hand.

use std::borrow::Cow;

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

use super::types::{Blob, Timestamp};

pub struct XmlWriter {
    inner: Writer<Vec<u8>>,
}

impl Default for XmlWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl XmlWriter {
    pub fn new() -> Self {
        let mut inner = Writer::new(Vec::with_capacity(1024));
        // Writing into a Vec cannot fail.
        let _ = inner.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        XmlWriter { inner }
    }

    pub fn start(&mut self, name: &str) {
        let _ = self.inner.write_event(Event::Start(BytesStart::new(name)));
    }

    pub fn start_ns(&mut self, name: &str, xmlns: &str) {
        let mut el = BytesStart::new(name);
        el.push_attribute(("xmlns", xmlns));
        let _ = self.inner.write_event(Event::Start(el));
    }

    pub fn end(&mut self, name: &str) {
        let _ = self.inner.write_event(Event::End(BytesEnd::new(name)));
    }

    pub fn text(&mut self, text: &str) {
        let _ = self.inner.write_event(Event::Text(BytesText::new(text)));
    }

    /// `<name>value</name>`
    pub fn element<T: XmlScalar + ?Sized>(&mut self, name: &str, value: &T) {
        self.start(name);
        self.text(&value.xml_text());
        self.end(name);
    }

    pub fn finish(self) -> Vec<u8> {
        self.inner.into_inner()
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
        w.end("R");
        let s = String::from_utf8(w.finish()).unwrap();
        assert_eq!(
            s,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><R xmlns=\"http://x/\"><policy>{&quot;a&quot;:&quot;&lt;b&gt;&amp;&quot;}</policy><ok>true</ok></R>"
        );
    }
}
