"""A tiny PDF writer for pages with a real text layer, as a layout system exports them.

Pillow writes PDFs of pixels only, and pypdfium2's standard fonts cover Latin text only; a
newspaper page's text is Chinese. This writes Chinese with the Adobe-GB1 font STSong-Light in the
UniGB-UCS2-H encoding (a font every PDF reader knows without embedding it, and whose codes map
back to Unicode), Latin with Helvetica, and grey boxes for photos and rules. Used by the benchmark
and the tests to make pages whose text can be read back, and by nothing a reader reaches.
"""

from __future__ import annotations

from dataclasses import dataclass, field

A3 = (842.0, 1191.0)  # points, portrait
A4 = (595.0, 842.0)


@dataclass
class Text:
    x: float  # points from the left edge
    y: float  # points from the top edge to the baseline
    size: float
    text: str


@dataclass
class Box:
    x: float
    y: float  # top, from the top edge
    width: float
    height: float
    grey: float = 0.8


@dataclass
class PdfPage:
    size: tuple[float, float] = A3
    items: list[Text | Box] = field(default_factory=list)

    def text(self, x: float, y: float, size: float, text: str) -> PdfPage:
        self.items.append(Text(x, y, size, text))
        return self

    def box(self, x: float, y: float, width: float, height: float, grey: float = 0.8) -> PdfPage:
        self.items.append(Box(x, y, width, height, grey))
        return self


def _is_latin(text: str) -> bool:
    return all(ord(char) < 128 for char in text)


def _escape_latin(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _content(page: PdfPage) -> bytes:
    height = page.size[1]
    out = []
    for item in page.items:
        if isinstance(item, Box):
            out.append(
                f"{item.grey:.2f} g {item.x:.2f} {height - item.y - item.height:.2f} "
                f"{item.width:.2f} {item.height:.2f} re f 0 g"
            )
            continue
        baseline = height - item.y
        if _is_latin(item.text):
            shown = f"({_escape_latin(item.text)}) Tj"
            font = "/F1"
        else:
            # UCS-2 big-endian codes, as UniGB-UCS2-H expects; characters outside the BMP are dropped.
            shown = "<" + "".join(f"{ord(c):04X}" for c in item.text if ord(c) <= 0xFFFF) + "> Tj"
            font = "/F2"
        out.append(f"BT {font} {item.size:.2f} Tf {item.x:.2f} {baseline:.2f} Td {shown} ET")
    return "\n".join(out).encode("ascii")


def make_pdf(pages: list[PdfPage], *, labels: list[str] | None = None) -> bytes:
    """A PDF of these pages; ``labels`` sets page labels (a layout system's 'A01', 'A02' …)."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in last
    pages_id = add(b"")
    helvetica = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    descendant = add(
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> "
        b"/FontDescriptor << /Type /FontDescriptor /FontName /STSong-Light /Flags 6 "
        b"/FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 "
        b"/StemV 93 >> /DW 1000 >>"
    )
    song = add(
        f"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light-UniGB-UCS2-H /Encoding /UniGB-UCS2-H "
        f"/DescendantFonts [{descendant} 0 R] >>".encode("ascii")
    )
    kids = []
    for page in pages:
        content = _content(page)
        stream = add(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        width, height = page.size
        kids.append(
            add(
                f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 {width:g} {height:g}] "
                f"/Resources << /Font << /F1 {helvetica} 0 R /F2 {song} 0 R >> >> "
                f"/Contents {stream} 0 R >>".encode("ascii")
            )
        )
    objects[pages_id - 1] = (
        f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>".encode("ascii")
    )
    label_part = ""
    if labels:
        nums = " ".join(f"{i} << /P ({_escape_latin(label)}) >>" for i, label in enumerate(labels))
        label_part = f" /PageLabels << /Nums [{nums}] >>"
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages_id} 0 R{label_part} >>".encode("ascii")

    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode("ascii") + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("ascii")
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode("ascii")
    out += f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode("ascii")
    return bytes(out)
