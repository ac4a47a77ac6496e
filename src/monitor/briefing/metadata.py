"""The PDF's XMP metadata packet (title, author, subject, marking, dates), every value escaped."""

from __future__ import annotations

import html
import re
from datetime import UTC

from PySide6.QtCore import QByteArray, qVersion

from monitor import __version__
from monitor.briefing.blocks import Document
from monitor.briefing.text import one_line

# Characters XML 1.0 cannot hold even escaped (C0 controls but tab/newline/CR, lone
# surrogates, U+FFFE/U+FFFF) and the xpacket trailer's magic: dropped from metadata values.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
MAX_META = 1000  # characters per metadata value (a 1 MB title is cut with a marker)


def xml_value(text: str) -> str:
    """``text`` as an XML character-data value: one bounded line, escaped, only characters
    XML 1.0 allows (so the packet stays well-formed whatever the scenario holds)."""
    return html.escape(_NOT_XML.sub("\ufffd", one_line(text, MAX_META)), quote=True)


def xmp_packet(doc: Document) -> QByteArray:
    """XMP metadata (dc:title, dc:creator, dc:description, xmp:CreateDate ...), values escaped."""
    e = xml_value
    created = doc.produced_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    creator = (
        f"<dc:creator><rdf:Seq><rdf:li>{e(doc.author)}</rdf:li></rdf:Seq></dc:creator>"
        if doc.author
        else ""
    )
    keywords = ", ".join(doc.keywords)
    xml = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{e(doc.title)}</rdf:li></rdf:Alt></dc:title>
   {creator}
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{e(doc.subject)}</rdf:li></rdf:Alt>
   </dc:description>
   <dc:rights><rdf:Alt><rdf:li xml:lang="x-default">{e(doc.marking)}</rdf:li></rdf:Alt></dc:rights>
   <xmp:CreateDate>{created}</xmp:CreateDate>
   <xmp:MetadataDate>{created}</xmp:MetadataDate>
   <xmp:CreatorTool>Situation Monitor {e(__version__)}</xmp:CreatorTool>
   <pdf:Keywords>{e(keywords)}</pdf:Keywords>
   <pdf:Producer>Qt {e(qVersion())}</pdf:Producer>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    return QByteArray(xml.encode("utf-8"))
