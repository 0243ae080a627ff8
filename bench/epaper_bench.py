"""A two-page A3 PDF through the e-paper pipeline: checks, split, page masters, every rendition, text.

    .venv/bin/python bench/epaper_bench.py [--runs 3]

Two PDFs are made here, both two A3 pages:
- "layout export": what a layout system exports — Chinese body type in six columns (about 7,000
  characters a page, a real text layer in STSong-Light, articles.epaper.minipdf), headlines, rules
  and grey boxes where photos stand;
- "scanned": each page one 300-dpi JPEG (3508×4961 pixels), as an archive's scans are, made with
  Pillow's PDF writer (no text layer).

Stages, each in a fresh interpreter: ``read_pdf`` (checks, one-page PDFs, both pages rendered to
2400-pixel masters and encoded), the renditions of both masters (WebP and JPEG at 400 … 2400 px),
and reading the text of an article's region on each page. Peak memory: the rise of resident
memory (VmHWM, reset before the stage; Linux only), and tracemalloc's peak of Python's own
allocations (PDFium and Pillow allocate outside Python, so it is the smaller figure).
Times are the median of --runs runs, on this machine, in this run.
"""

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from photo_bench import run_stage  # a sibling script: one way to run a stage in its own interpreter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STAGE = r"""
import io, json, sys, time, tracemalloc
import django
django.setup()
from articles.epaper.pdf import read_pdf
from articles.epaper.renditions import PAGE_RENDITION_WIDTHS
from articles.epaper.drafts import region_text
from articles.photos.renditions import render_renditions

stage, source = sys.argv[1], sys.argv[2]
data = open(source, "rb").read()
if stage != "read":
    pages = read_pdf(data)

def kib(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])

with open("/proc/self/clear_refs", "w") as refs:
    refs.write("5")  # VmHWM starts again from the current resident size
before = kib("VmRSS")
tracemalloc.start()
start = time.perf_counter()
if stage == "read":
    pages = read_pdf(data)
    out = {"files": len(pages), "bytes": sum(len(p.image) + len(p.pdf) for p in pages),
           "size": [pages[0].width, pages[0].height]}
elif stage == "renditions":
    made = [r for p in pages for r in render_renditions(io.BytesIO(p.image), PAGE_RENDITION_WIDTHS)]
    out = {"files": len(made), "bytes": sum(len(r.content) for r in made)}
else:
    # The first text read in a process loads PDFium's CMaps and looks for fonts; then each is cheap.
    region = [[0.04, 0.04], [0.52, 0.04], [0.52, 0.5], [0.04, 0.5]]
    texts = [region_text(pages[0].pdf, region)]
    first = time.perf_counter() - start
    again = time.perf_counter()
    texts.append(region_text(pages[1].pdf, region))
    out = {"first_s": round(first, 2), "next_s": round(time.perf_counter() - again, 2),
           "chars": sum(len(t.text) for t in texts), "title": texts[0].title}
elapsed = time.perf_counter() - start
_, traced = tracemalloc.get_traced_memory()
out.update(seconds=elapsed, rss_mib=(kib("VmHWM") - before) / 1024, traced_mib=traced / 2**20)
print(json.dumps(out, ensure_ascii=False))
"""

BODY = (
    "衡阳市第十六届人民代表大会第四次会议期间，代表们围绕八大千亿产业集群建设建言献策。"
    "轨道交通、有色金属、新能源汽车产业链加速延伸，松木经开区、白沙绿岛军民融合产业园项目加快推进，"
    "全年新签约项目二百余个，总投资超过一千亿元。"
)


def layout_pdf() -> bytes:
    """Two A3 pages as a layout system exports them, with a real text layer."""
    from articles.epaper.minipdf import A3, PdfPage, make_pdf

    rng = random.Random(2019)
    pages = []
    for number in range(2):
        page = PdfPage(size=A3)
        page.text(36, 60, 40, "衡阳日报" if number == 0 else "两会特刊")
        page.box(36, 72, 770, 2, grey=0.1)
        page.text(36, 120, 14, "引题：八大千亿产业集群")
        page.text(36, 160, 30, f"衡阳加快构建现代产业体系·{number + 1}")
        page.box(440, 200, 366, 240)  # a photo
        column_width, size, leading = 122, 9.5, 13
        for column in range(6):
            x = 36 + column * (column_width + 6)
            top = 200 if x < 430 else 460
            y = top
            while y < 1150:
                start = rng.randrange(len(BODY) - 13)
                page.text(x, y, size, BODY[start : start + 12])
                y += leading
        pages.append(page)
    return make_pdf(pages, labels=["A01", "A02"])


def scanned_pdf() -> bytes:
    """Two A3 pages scanned at 300 dpi, one JPEG each (Pillow's PDF writer)."""
    from PIL import Image, ImageDraw

    rng = random.Random(1958)
    scans = []
    for _ in range(2):
        image = Image.new("RGB", (3508, 4961), (236, 230, 214))
        draw = ImageDraw.Draw(image)
        draw.rectangle((150, 150, 3358, 420), fill=(40, 40, 40))
        for column in range(6):
            x = 150 + column * 540
            for y in range(560, 4800, 52):
                draw.rectangle((x, y, x + rng.randrange(380, 500), y + 26), fill=(70, 70, 70))
        draw.rectangle((1800, 600, 3350, 1800), fill=(120, 110, 100))
        scans.append(Image.blend(image, Image.effect_noise(image.size, 40).convert("RGB"), 0.08))
    buffer = io.BytesIO()
    scans[0].save(buffer, "PDF", resolution=300, save_all=True, append_images=scans[1:], quality=85)
    return buffer.getvalue()


def stage(name: str, source: Path) -> dict:
    return run_stage(name, source, STAGE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hengyang_cms.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    import django

    django.setup()
    with tempfile.TemporaryDirectory() as folder:
        sources = {"layout export": Path(folder) / "layout.pdf", "scanned": Path(folder) / "scanned.pdf"}
        sources["layout export"].write_bytes(layout_pdf())
        sources["scanned"].write_bytes(scanned_pdf())
        print(f"{'pdf':<15}{'stage':<20}{'median s':>9}{'min s':>8}{'RSS MiB':>9}{'traced MiB':>11}  output")
        for label, source in sources.items():
            print(f"{label}: {source.stat().st_size / 2**20:.2f} MiB, 2 A3 pages")
            for name, title in (("read", "read_pdf"), ("renditions", "renditions"), ("text", "text of a region")):
                runs = [stage(name, source) for _ in range(args.runs)]
                seconds = [r["seconds"] for r in runs]
                last = runs[-1]
                detail = {k: v for k, v in last.items() if k not in ("seconds", "rss_mib", "traced_mib")}
                print(
                    f"{'':<15}{title:<20}{statistics.median(seconds):>9.2f}{min(seconds):>8.2f}"
                    f"{max(r['rss_mib'] for r in runs):>9.0f}{max(r['traced_mib'] for r in runs):>11.1f}  {detail}"
                )


if __name__ == "__main__":
    main()
