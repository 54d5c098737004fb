#!/usr/bin/env python3
"""Make static/fonts/NotoSansSC-GB2312.ttf: the GB 2312 subset of Noto Sans CJK SC Regular that
certificates embed, so a certificate PDF renders the same on every machine.

Source: Debian's fonts-noto-cjk (`apt-get install fonts-noto-cjk`), face "Noto Sans CJK SC" of
/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc. The character set is printable ASCII, all
7,445 characters of GB 2312 (6,763 hanzi plus symbols, full-width forms, kana, Greek, Cyrillic),
and a short list of name characters that GB 2312 lacks but that people's names use. Hinting and
OpenType layout tables are dropped (the PDF needs outlines and advance widths only); the name
table keeps the copyright and licence notices, as the SIL Open Font License requires
(static/fonts/OFL.txt).

The source's CFF outlines are converted to TrueType (quadratic, within 1/1000 em). fpdf2 can
embed the CID-keyed CFF font as it is, but then writes a custom encoding CMap that common PDF
text extractors (pypdf among them) misread, interleaving NUL characters in the text; a TrueType
font is embedded as CIDFontType2 with Identity-H, which every reader handles, so the certificate
text can be searched, copied and checked in tests.

    .venv/bin/python scripts/make_font_subset.py [--source PATH] [--output PATH]

Reproducible: the same source and fontTools version give a byte-identical file (no timestamps).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
DEFAULT_OUTPUT = ROOT / "static" / "fonts" / "NotoSansSC-GB2312.ttf"
MAX_ERROR = 1.0  # font units (of 1000 per em) the quadratic outlines may stray from the cubic ones
FACE = "Noto Sans CJK SC"

# Characters outside GB 2312 that appear in personal and place names (GBK / 通用规范汉字表):
# without them a certificate could not print such a name.
NAME_EXTRAS = (
    "喆堃玥珺琛昇昺晞曌祎禕赟璟瑄瑆琇琤琬珣珈玹璠璐瑀瑢瑭瓅颢頔淏溍沄浛泓洺湉濛"
    "婧婕娴婳嫣媛姮妤姝妘娈昱晗晔晟暐暻炜烨焜煜熠燚犇骉淼鑫垚壵彧祐禛禩祺禧"
    "钰铖锃镕镟锴铠铎镭镠鍪筠箬篪籼粲翀翙翚翮翯翾耀芃芮苡茈茜荭莘菂蓁蔚蕤"
    "谞谧谌諴赪赟跞轶逯邕郗郜鄞阚陟隽雎霈霑靓頫颀颋飏馥骞骐骢鹍鹏鹓鹞黉"
    "𬌗𬍛𫖯𫐄"
)
# Typographic marks the certificate text uses that GB 2312 maps differently.
PUNCTUATION_EXTRAS = "·•–—‘’“”…‰℃№€￥〇"


def gb2312_characters() -> str:
    """Every character GB 2312 encodes (rows 0xA1–0xF7, cells 0xA1–0xFE)."""
    chars = []
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                chars.append(bytes((row, cell)).decode("gb2312"))
            except UnicodeDecodeError:
                continue  # unassigned cell
    return "".join(chars)


def character_set() -> str:
    ascii_printable = "".join(chr(c) for c in range(0x20, 0x7F))
    return "".join(
        sorted(set(ascii_printable + gb2312_characters() + NAME_EXTRAS + PUNCTUATION_EXTRAS))
    )


def make_subset(source: Path, output: Path) -> tuple[int, int]:
    collection = TTCollection(str(source), recalcTimestamp=False)
    try:
        font = next(f for f in collection.fonts if f["name"].getDebugName(1) == FACE)
    except StopIteration:
        raise SystemExit(f"{source} has no face named {FACE!r}") from None
    wanted = character_set()
    available = {cp for table in font["cmap"].tables if table.isUnicode() for cp in table.cmap}
    unicodes = [ord(c) for c in wanted if ord(c) in available]

    options = subset.Options()
    options.layout_features = []  # no shaping needed for horizontal CJK and ASCII
    options.hinting = False
    options.desubroutinize = True  # plain charstrings for the TrueType conversion below
    options.name_IDs = ["*"]  # keep copyright (0), trademark (7) and licence (13, 14) notices
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["BASE", "VORG", "vhea", "vmtx", "GDEF", "GPOS", "GSUB"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)

    to_truetype(font)

    output.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(output), reorderTables=True)
    return len(unicodes), len(font.getGlyphOrder())


def to_truetype(font: TTFont) -> None:
    """Replace the CFF table by glyf/loca with the same glyphs (as fontTools' otf2ttf snippet)."""
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(None)
        glyph_set[name].draw(Cu2QuPen(pen, MAX_ERROR, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    del font["CFF "]
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    for attr in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, attr, 0)
    font["head"].glyphDataFormat = 0
    font["post"].formatType = 3.0  # no glyph names: the CID names mean nothing here
    font.sfntVersion = "\x00\x01\x00\x00"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    if not args.source.exists():
        print(f"{args.source} not found: apt-get install fonts-noto-cjk", file=sys.stderr)
        return 1
    characters, glyphs = make_subset(args.source, args.output)
    digest = hashlib.sha256(args.output.read_bytes()).hexdigest()
    size = args.output.stat().st_size
    print(f"{args.output}: {characters} characters, {glyphs} glyphs, {size} bytes, sha256 {digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
