"""PDFs for the e-paper tests: pages with a real text layer (articles.epaper.minipdf), and every
kind of bad one, made by hand."""

import hashlib

from articles.epaper.minipdf import A3, A4, PdfPage, make_pdf

__all__ = ["A3", "A4", "PdfPage", "make_pdf"]

TITLE = "衡阳加快构建现代产业体系"
KICKER = "两会特刊"
BODY = [
    "本报讯　市人大代表夏君山认为，",
    "轨道交通产业集群正在加速形成。",
    "　　第二段：松木经开区项目已经投产，",
    "年产值超过二百亿元。",
]


def story_page(size=A3) -> PdfPage:
    """A page with one story in the top left (a kicker, a big title, body type) and a photo box."""
    page = PdfPage(size=size)
    page.text(60, 100, 14, KICKER)
    page.text(60, 150, 36, TITLE)
    y = 200
    for line in BODY:
        page.text(60, y, 10.5, line)
        y += 16
    page.box(60, 300, 300, 200)
    page.text(500, 700, 10.5, "另一篇稿件的文字。")
    return page


def story_pdf(pages: int = 1, labels=None) -> bytes:
    return make_pdf([story_page() for _ in range(pages)], labels=labels)


# The story's region on story_page(), relative to an A3 page: around the text, not the other story.
STORY_REGION = [[0.05, 0.05], [0.6, 0.05], [0.6, 0.25], [0.05, 0.25]]


def no_pages_pdf() -> bytes:
    import io

    import pypdfium2

    buffer = io.BytesIO()
    pypdfium2.PdfDocument.new().save(buffer)
    return buffer.getvalue()


def tall_pdf() -> bytes:
    """A strip 10 points wide and 14,400 high: its image at the master's width is billions of pixels."""
    return make_pdf([PdfPage(size=(10, 14400))])


def truncated_pdf() -> bytes:
    data = story_pdf()
    return data[: len(data) // 3]


def garbage_pdf() -> bytes:
    return b"%PDF-1.7\n" + bytes(range(256)) * 40


def _assemble(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def _rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    i = j = 0
    out = bytearray()
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def encrypted_pdf(user_password: str = "secret", owner_password: str = "owner") -> bytes:
    """The standard security handler, revision 2 (40-bit RC4), as the PDF specification gives it."""
    user = (user_password.encode() + PAD)[:32]
    owner = (owner_password.encode() + PAD)[:32]
    o_value = _rc4(hashlib.md5(owner).digest()[:5], user)
    permissions = -4
    file_id = hashlib.md5(b"hengyang").digest()
    key = hashlib.md5(user + o_value + permissions.to_bytes(4, "little", signed=True) + file_id).digest()[:5]
    u_value = _rc4(key, PAD)
    encrypt = (
        f"/Encrypt << /Filter /Standard /V 1 /R 2 /O <{o_value.hex()}> /U <{u_value.hex()}> /P {permissions} >> "
        f"/ID [<{file_id.hex()}> <{file_id.hex()}>] "
    ).encode()
    return story_pdf().replace(b"trailer\n<< ", b"trailer\n<< " + encrypt)
