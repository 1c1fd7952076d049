#!/usr/bin/python3
"""make_samples.py — generates the small synthetic images in samples/ (no photographs).

Run with Debian's /usr/bin/python3 (python3-pil, python3-numpy): `scripts/make_samples.py [DIR]`.
Seeded, so reruns give the same pixels (encoder versions may change the bytes). The outputs are
committed so the quick start needs no Python.
"""
import os
import sys

import numpy as np
from PIL import Image, ImageDraw


def landscape(w, h, rng):
    """Sky-to-ground gradient, a sun, hills and sensor-like noise: compresses like a photo."""
    y = np.linspace(0.0, 1.0, h)[:, None]
    x = np.linspace(0.0, 1.0, w)[None, :]
    sky = np.stack([90 + 120 * y + 0 * x, 140 + 90 * y + 0 * x, 230 - 60 * y + 0 * x], axis=-1)
    hill = 0.62 + 0.08 * np.sin(6.0 * x + 1.0) + 0.04 * np.sin(17.0 * x)
    ground = y > hill
    grass = np.stack([60 + 40 * x + 0 * y, 120 - 30 * y + 0 * x, 40 + 0 * x * y], axis=-1)
    img = np.where(ground[..., None], grass, sky)
    cy, cx = 0.25 * h, 0.72 * w
    yy, xx = np.mgrid[0:h, 0:w]
    sun = ((yy - cy) ** 2 + (xx - cx) ** 2) < (0.07 * h) ** 2
    img[sun] = [255, 236, 160]
    img += rng.normal(0.0, 9.0, img.shape)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")


def exif_orientation(value):
    exif = Image.Exif()
    exif[0x0112] = value
    return exif.tobytes()


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "samples")
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(20240601)

    landscape(1200, 800, rng).save(os.path.join(out, "landscape_1200x800.jpg"), quality=85)

    # Stored 800x600 with "rotate 90 CW to display": clipdex shows it as a 600x800 portrait.
    portrait = landscape(800, 600, rng)
    ImageDraw.Draw(portrait).text((20, 20), "TOP (stored)", fill=(255, 255, 255))
    portrait.save(os.path.join(out, "phone_exif_orient6_800x600.jpg"), quality=85,
                  exif=exif_orientation(6))

    logo = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    d = ImageDraw.Draw(logo)
    d.ellipse((50, 30, 350, 270), fill=(220, 60, 40, 255))
    d.ellipse((120, 90, 280, 210), fill=(255, 255, 255, 128))
    d.rectangle((0, 280, 399, 299), fill=(30, 30, 200, 200))
    logo.save(os.path.join(out, "logo_alpha_400x300.png"))

    chart = Image.new("P", (320, 240))
    chart.putpalette([c for i in range(16) for c in (i * 16, 255 - i * 16, (i * 53) % 256)])
    d = ImageDraw.Draw(chart)
    for i in range(16):
        d.rectangle((i * 20, 240 - (i + 1) * 14, i * 20 + 18, 239), fill=i)
    chart.save(os.path.join(out, "chart_palette_320x240.gif"), transparency=0)

    landscape(640, 480, rng).save(os.path.join(out, "meadow_640x480.webp"), quality=80)
    landscape(256, 160, rng).save(os.path.join(out, "scan_256x160.bmp"))


if __name__ == "__main__":
    main()
