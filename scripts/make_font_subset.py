#!/usr/bin/env python3
"""Make static/fonts/NotoSansSC-GB2312.otf: the GB 2312 subset of Noto Sans CJK SC Regular that
certificates embed, so a certificate PDF renders the same on every machine.

Source: Debian's fonts-noto-cjk (`apt-get install fonts-noto-cjk`), face "Noto Sans CJK SC" of
/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc (CFF outlines, which fpdf2 embeds as a
CIDFontType0 font). The character set is printable ASCII, all 7,445 characters of GB 2312
(6,763 hanzi plus symbols, full-width forms, kana, Greek, Cyrillic), and a short list of name
characters that GB 2312 lacks but that people's names use. Hinting and OpenType layout tables are
dropped (the PDF needs outlines and advance widths only); the name table keeps the copyright and
licence notices, as the SIL Open Font License requires (static/fonts/OFL.txt).

    .venv/bin/python scripts/make_font_subset.py [--source PATH] [--output PATH]

Reproducible: the same source and fontTools version give a byte-identical file (no timestamps).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
DEFAULT_OUTPUT = ROOT / "static" / "fonts" / "NotoSansSC-GB2312.otf"
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
    options.desubroutinize = True  # smaller after the PDF writer's own per-document subset
    options.name_IDs = ["*"]  # keep copyright (0), trademark (7) and licence (13, 14) notices
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["BASE", "VORG", "vhea", "vmtx", "GDEF", "GPOS", "GSUB"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)

    output.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(output), reorderTables=True)
    return len(unicodes), len(font.getGlyphOrder())


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
