"""Print colours: the brochure's RGB design converted to CMYK through the print profile, for the print shop.

One palette is kept (the stylesheets, the axe and statut colours of `plan.yml` are #rrggbb); the print-shop
version converts every colour of its CSS and of its HTML attributes (`style`, `fill`, `stroke`) to
`device-cmyk()` with LittleCMS (Pillow's ImageCms): sRGB → the CMYK profile shipped in `theme/print/icc/`,
relative colorimetric with black point compensation. Neutral colours (greys, near-black text) become black
alone (K only, no registration risk on small type), with the lightness they have on screen.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from builder.resources import theme_dir

ICC = theme_dir() / "print" / "icc"


# The profiles the print-shop PDF declares as its output intent (see theme/print/icc/LICENSE-icc.txt).
# key of `plan.yml` (brochure.papier) → (file, registered output condition, human-readable condition)
PROFILES: dict[str, tuple[str, str, str]] = {
    "couche": ("fiches-FOGRA39L-coated.icc", "FOGRA39", "Offset, papier couché (ISO 12647-2:2004/Amd 1, FOGRA39)"),
    "non_couche": (
        "fiches-FOGRA29L-uncoated.icc",
        "FOGRA29",
        "Offset, papier non couché blanc (ISO 12647-2:2004, FOGRA29)",
    ),
}

NEUTRAL_SPREAD = 24  # max(r, g, b) − min(r, g, b) at most this: a grey, printed with black ink alone
BLACK_MARGIN = 4.0  # L* within this of solid black's: solid black (K 100 %)


def profile_path(paper: str) -> Path:
    return ICC / PROFILES[paper][0]


def _lightness(rgb: tuple[float, ...]) -> float:
    """CIE L* of an sRGB colour (0–255 channels)."""

    def linear(channel: float) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    y = 0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2])
    return 116 * y ** (1 / 3) - 16 if y > 216 / 24389 else y * 24389 / 27


def _channels(pixel: object) -> tuple[int, ...]:
    """A pixel of an RGB or CMYK image (Pillow types `getpixel` for every mode: a number, a tuple or None)."""
    assert isinstance(pixel, tuple)
    return pixel


class Converter:
    """sRGB → CMYK through one print profile, black-only for neutrals."""

    def __init__(self, paper: str) -> None:
        from PIL import Image, ImageCms

        self._image = Image
        self._cms = ImageCms
        srgb = ImageCms.createProfile("sRGB")
        cmyk = ImageCms.getOpenProfile(str(profile_path(paper)))
        flags = ImageCms.Flags.BLACKPOINTCOMPENSATION
        intent = ImageCms.Intent.RELATIVE_COLORIMETRIC
        self._to_cmyk = ImageCms.buildTransform(srgb, cmyk, "RGB", "CMYK", intent, flags=flags)
        to_rgb = ImageCms.buildTransform(cmyk, srgb, "CMYK", "RGB", intent, flags=flags)
        # lightness of each black tint on this paper, to give a grey its black percentage
        tints = Image.new("CMYK", (101, 1))
        tints.putdata([(0, 0, 0, round(k * 255 / 100)) for k in range(101)])
        proof = ImageCms.applyTransform(tints, to_rgb)
        assert proof is not None  # None only for a transform in place
        self._black = [_lightness(_channels(proof.getpixel((k, 0)))) for k in range(101)]
        self._cache: dict[tuple[int, int, int], tuple[float, float, float, float]] = {}

    def _k_for(self, lightness: float) -> float:
        if lightness <= self._black[100] + BLACK_MARGIN:
            return 1.0
        for k in range(1, 101):  # the lightness falls as k grows
            if self._black[k] <= lightness:
                above, below = self._black[k - 1], self._black[k]
                share = (above - lightness) / (above - below) if above != below else 0
                return round((k - 1 + share) / 100, 3)
        return 1.0

    def cmyk(self, rgb: tuple[int, int, int]) -> tuple[float, float, float, float]:
        """The CMYK values (0–1) printing `rgb`."""
        if rgb in self._cache:
            return self._cache[rgb]
        if max(rgb) - min(rgb) <= NEUTRAL_SPREAD:
            value: tuple[float, float, float, float] = (
                (0.0, 0.0, 0.0, 0.0) if min(rgb) >= 254 else (0.0, 0.0, 0.0, self._k_for(_lightness(rgb)))
            )
        else:
            image = self._cms.applyTransform(self._image.new("RGB", (1, 1), rgb), self._to_cmyk)
            assert image is not None  # None only for a transform in place
            c, m, y, k = (round(channel / 255, 3) for channel in _channels(image.getpixel((0, 0))))
            value = (c, m, y, k)
        self._cache[rgb] = value
        return value


@lru_cache(maxsize=2)
def converter(paper: str) -> Converter:
    return Converter(paper)


_HEX = re.compile(r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")
_RGB_FUNCTION = re.compile(r"rgba?\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*(?:,\s*([\d.]+%?)\s*)?\)")
_NAMED = re.compile(r"(?<![\w-])(white|black)(?![\w-])")
_NAMED_RGB = {"white": (255, 255, 255), "black": (0, 0, 0)}


def _device_cmyk(convert: Converter, rgb: tuple[int, int, int], alpha: str | None = None) -> str:
    values = " ".join(f"{v:g}" for v in convert.cmyk(rgb))
    return f"device-cmyk({values} / {alpha})" if alpha not in (None, "1", "1.0") else f"device-cmyk({values})"


def _hex_rgb(value: str) -> tuple[int, int, int]:
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def cmyk_colours(text: str, paper: str) -> str:
    """Every colour of a CSS text (or of one attribute value) rewritten as `device-cmyk()`."""
    convert = converter(paper)
    text = _HEX.sub(lambda m: _device_cmyk(convert, _hex_rgb(m[1])), text)
    text = _RGB_FUNCTION.sub(lambda m: _device_cmyk(convert, (int(m[1]), int(m[2]), int(m[3])), m[4]), text)
    return _NAMED.sub(lambda m: _device_cmyk(convert, _NAMED_RGB[m[1]]), text)


# colour-bearing attributes only: the text of the page (already escaped: no quote inside) is never touched
_ATTRIBUTE = re.compile(r'(\s(?:style|fill|stroke|stop-color|color|flood-color|lighting-color)=")([^"]*)(")')


def cmyk_html(html: str, paper: str) -> str:
    """The colours of an HTML page's `style`, `fill` and `stroke` attributes (inline SVG included) in CMYK."""
    return _ATTRIBUTE.sub(lambda m: m[1] + cmyk_colours(m[2], paper) + m[3], html)


def _css_without_strings(text: str, paper: str) -> str:
    """CSS colours converted outside quoted strings (`content: "…"` keeps its words)."""
    parts = re.split(r'("(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\')', text)
    return "".join(part if i % 2 else cmyk_colours(part, paper) for i, part in enumerate(parts))


def cmyk_css(text: str, paper: str) -> str:
    """A print stylesheet with every colour in CMYK."""
    return _css_without_strings(text, paper)
