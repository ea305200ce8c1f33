"""A small reader of the PDFs LibreOffice writes: pages in order, and the pictures each page draws.

Enough for the board pack's print checks (no PDF library is installed): page objects are plain dictionaries in
LibreOffice's output, content streams are Flate-compressed, and a picture is drawn by ``/Name Do``. A chart split
across a page break is drawn (clipped) on both pages, so it shows up as one picture on two pages.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

_OBJ = re.compile(rb"(\d+)\s+0\s+obj\s*(.*?)endobj", re.S)
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)


@dataclass(frozen=True)
class PdfPage:
    number: int  # 1-based
    images: tuple[str, ...]  # names of the image XObjects drawn on the page, in drawing order
    landscape: bool


def _objects(data: bytes) -> dict[int, bytes]:
    return {int(m.group(1)): m.group(2) for m in _OBJ.finditer(data)}


def _stream(obj: bytes) -> bytes:
    m = _STREAM.search(obj)
    if not m:
        return b""
    raw = m.group(1)
    if b"/FlateDecode" in obj.split(b"stream", 1)[0]:
        try:
            return zlib.decompress(raw)
        except zlib.error:
            return zlib.decompressobj().decompress(raw)
    return raw


def _kids(objs: dict[int, bytes], ref: int) -> list[int]:
    """Page object numbers under a /Pages node, in document order."""
    node = objs[ref]
    if re.search(rb"/Type\s*/Pages\b", node):
        kids = re.search(rb"/Kids\s*\[(.*?)\]", node, re.S)
        out: list[int] = []
        for k in re.findall(rb"(\d+)\s+0\s+R", kids.group(1) if kids else b""):
            out += _kids(objs, int(k))
        return out
    return [ref]


def _image_names(objs: dict[int, bytes], page: bytes) -> set[bytes]:
    """Names of the resources of a page that are images (not forms)."""
    res = re.search(rb"/Resources\s+(\d+)\s+0\s+R", page)
    text = objs.get(int(res.group(1)), b"") if res else page
    xobj = re.search(rb"/XObject\s*<<(.*?)>>", text, re.S)
    if not xobj:
        ref = re.search(rb"/XObject\s+(\d+)\s+0\s+R", text)
        xobj_text = objs.get(int(ref.group(1)), b"") if ref else b""
    else:
        xobj_text = xobj.group(1)
    names = set()
    for name, num in re.findall(rb"/([A-Za-z0-9_.]+)\s+(\d+)\s+0\s+R", xobj_text):
        if re.search(rb"/Subtype\s*/Image", objs.get(int(num), b"")):
            names.add(name)
    return names


def read_pages(data: bytes) -> list[PdfPage]:
    """The pages of a PDF written by LibreOffice, with the images each one draws."""
    objs = _objects(data)
    root = re.search(rb"/Root\s+(\d+)\s+0\s+R", data)
    catalog = objs[int(root.group(1))] if root else b""
    top = re.search(rb"/Pages\s+(\d+)\s+0\s+R", catalog)
    pages = _kids(objs, int(top.group(1))) if top else []
    out = []
    for n, num in enumerate(pages, start=1):
        page = objs[num]
        images = _image_names(objs, page)
        contents = re.search(rb"/Contents\s*(\[.*?\]|\d+\s+0\s+R)", page, re.S)
        refs = re.findall(rb"(\d+)\s+0\s+R", contents.group(1)) if contents else []
        ops = b"".join(_stream(objs.get(int(r), b"")) for r in refs)
        drawn = tuple(name.decode() for name in re.findall(rb"/([A-Za-z0-9_.]+)\s+Do\b", ops) if name in images)
        box = re.search(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", page)
        landscape = bool(box) and float(box.group(3)) > float(box.group(4))
        out.append(PdfPage(n, drawn, landscape))
    return out
