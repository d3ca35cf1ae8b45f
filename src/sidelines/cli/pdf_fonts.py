"""A Unicode TrueType font for the printed sheets' PDF, found where it is: Cyrillic names and
Russian sheets need one, and the PDF's built-in Helvetica holds Latin-1 only.

In order: ``SIDELINES_PDF_FONT`` (a .ttf file), DejaVu Sans or another common sans-serif in the
usual font folders, what fontconfig (``fc-match``) names for Russian text, then Noto Sans from
the ``fontpkg-noto-sans`` package (a dependency: it installs with Sidelines). A candidate counts
only if it holds both Latin and Cyrillic letters. The package's font is variable, and fpdf2
would take seconds to cut a bold instance from it: it prints bold as regular.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont, TTLibError

ENV = "SIDELINES_PDF_FONT"
PACKAGE = "fontpkg-noto-sans"
INSTALL_HINT = (
    f"install DejaVu Sans (Debian and Ubuntu: apt-get install fonts-dejavu-core) or the "
    f"Python package {PACKAGE} (pip install {PACKAGE}), or set {ENV} to a TrueType font file"
)
FOLDERS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/share/fonts/truetype/noto"),
    Path("/usr/share/fonts/noto"),
    Path("/usr/share/fonts/truetype/liberation"),
    Path("/usr/share/fonts/liberation"),
    Path("/usr/share/fonts/truetype/freefont"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local/share/fonts",
    Path("/Library/Fonts"),
    Path("/System/Library/Fonts/Supplemental"),
    Path("C:/Windows/Fonts"),
)
# Regular and bold file names of the sans-serif fonts that hold Cyrillic, best first.
NAMES = (
    ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
    ("FreeSans.ttf", "FreeSansBold.ttf"),
    ("Arial.ttf", "Arial Bold.ttf"),
    ("arial.ttf", "arialbd.ttf"),
)
# A Latin and a Cyrillic letter: a font without both prints a Russian sheet with holes.
_NEEDED = (ord("A"), ord("Я"))


@dataclass(frozen=True)
class UnicodeFont:
    regular: Path
    bold: Path  # the regular file again where there is no bold one
    source: str  # where it was found, for messages


def _covers(path: Path) -> bool:
    if path.suffix.lower() != ".ttf" or not path.is_file():
        return False
    try:
        # Opened here, so that the file is closed even when it is no font at all.
        with path.open("rb") as file:
            cmap = TTFont(file, lazy=True).getBestCmap() or {}
    except (TTLibError, OSError, AssertionError, KeyError, ValueError):
        return False
    return all(code in cmap for code in _NEEDED)


def _pair(regular: Path, bold: Path | None, source: str) -> UnicodeFont | None:
    if not _covers(regular):
        return None
    return UnicodeFont(regular, bold if bold is not None and _covers(bold) else regular, source)


def _from_env() -> UnicodeFont | None:
    named = os.environ.get(ENV)
    return _pair(Path(named), None, ENV) if named else None


def _from_folders() -> UnicodeFont | None:
    for regular_name, bold_name in NAMES:
        for folder in FOLDERS:
            found = _pair(folder / regular_name, folder / bold_name, str(folder))
            if found is not None:
                return found
    return None


def _fc_match(pattern: str) -> Path | None:
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        said = subprocess.run(
            [fc_match, "--format=%{file}", pattern],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(said.stdout.strip()) if said.returncode == 0 and said.stdout.strip() else None


def _from_fontconfig() -> UnicodeFont | None:
    regular = _fc_match("sans-serif:lang=ru")
    if regular is None:
        return None
    return _pair(regular, _fc_match("sans-serif:lang=ru:weight=bold"), "fontconfig")


def _from_package() -> UnicodeFont | None:
    try:
        fontpkg = importlib.import_module("fontpkg")
        path = Path(fontpkg.path("Noto Sans"))
    except Exception:  # not installed, or installed without its font: look no further
        return None
    return _pair(path, None, PACKAGE)


@cache
def unicode_font() -> UnicodeFont | None:
    """The first Unicode font found, or None."""
    for look in (_from_env, _from_folders, _from_fontconfig, _from_package):
        found = look()
        if found is not None:
            return found
    return None
