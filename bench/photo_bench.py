"""A 6000×4000 camera JPEG through validation and every rendition: time and peak memory.

    .venv/bin/python bench/photo_bench.py [--runs 3]

Each stage runs in a fresh interpreter, its peak resident memory (VmHWM, reset before the stage)
reported above the resident memory it had before the stage started (Linux only).
Times are the median of --runs runs, on this machine, in this run.
"""

import argparse
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

STAGE = r"""
import io, json, sys, time
import django
django.setup()
from PIL import JpegImagePlugin
from articles.photos.images import clean_image
from articles.photos.renditions import render_renditions

stage, source = sys.argv[1], sys.argv[2]
if stage == "renditions-full-decode":
    JpegImagePlugin.JpegImageFile.draft = lambda self, mode, size: None  # what draft() saves
def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])  # KiB

data = open(source, "rb").read()
# ru_maxrss would carry the parent's high-water mark over fork; the kernel's own counter is reset.
with open("/proc/self/clear_refs", "w") as refs:
    refs.write("5")
before = status("VmRSS")
start = time.perf_counter()
if stage == "validate":
    clean = clean_image(io.BytesIO(data))
    out = {"bytes_out": len(clean.content), "size": [clean.width, clean.height]}
else:
    made = render_renditions(io.BytesIO(data))
    out = {"bytes_out": sum(len(r.content) for r in made), "count": len(made),
           "widths": sorted({r.width for r in made})}
elapsed = time.perf_counter() - start
peak = status("VmHWM")
out.update(seconds=elapsed, peak_mib=(peak - before) / 1024)
print(json.dumps(out))
"""


def camera_jpeg(path: Path) -> None:
    """A 24-megapixel photo-like JPEG (noise for sensor grain, shapes for edges) with GPS EXIF."""
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(2019)
    size = (6000, 4000)
    image = Image.effect_noise(size, 30).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(400):
        x, y, r = rng.randrange(size[0]), rng.randrange(size[1]), rng.randrange(20, 400)
        draw.ellipse(
            (x - r, y - r, x + r, y + r),
            fill=tuple(rng.randrange(256) for _ in range(3)),
        )
    image = Image.blend(image, Image.effect_noise(size, 60).convert("RGB"), 0.25).filter(ImageFilter.SMOOTH)
    exif = Image.Exif()
    exif[0x0112] = 6  # taken in portrait: the master is turned upright
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (26.0, 53.0, 42.0), "E", (112.0, 34.0, 19.0)
    image.save(path, "JPEG", quality=92, exif=exif)


def run_stage(stage: str, source: Path, script: str = STAGE) -> dict:
    """Run one stage of ``script`` in a fresh interpreter (so its peak memory is its own): the JSON it prints last."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hengyang_cms.settings", "DJANGO_DEBUG": "1"}
    result = subprocess.run(
        [sys.executable, "-c", script, stage, str(source)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    if result.returncode:
        raise SystemExit(result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        upload = Path(folder) / "camera.jpg"
        camera_jpeg(upload)
        master = Path(folder) / "master.jpg"
        sys.path.insert(0, str(ROOT))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hengyang_cms.settings")
        os.environ.setdefault("DJANGO_DEBUG", "1")
        import django

        django.setup()
        from articles.photos.images import clean_image

        master.write_bytes(clean_image(io.BytesIO(upload.read_bytes())).content)

        print(
            f"upload: 6000×4000 JPEG, {upload.stat().st_size / 2**20:.1f} MiB; master {master.stat().st_size / 2**20:.1f} MiB"
        )
        print(f"{'stage':<32}{'median s':>10}{'min s':>8}{'peak MiB':>10}  output")
        rows = [
            ("validate + clean master", "validate", upload),
            ("renditions (8 files)", "renditions", master),
            ("renditions without draft()", "renditions-full-decode", master),
        ]
        for label, stage, source in rows:
            runs = [run_stage(stage, source) for _ in range(args.runs)]
            seconds = [r["seconds"] for r in runs]
            last = runs[-1]
            detail = f"{last['bytes_out'] / 2**10:.0f} KiB" + (
                f" in {last['count']} files, widths {last['widths']}" if "count" in last else f", {last['size']}"
            )
            print(
                f"{label:<32}{statistics.median(seconds):>10.2f}{min(seconds):>8.2f}"
                f"{max(r['peak_mib'] for r in runs):>10.0f}  {detail}"
            )


if __name__ == "__main__":
    main()
