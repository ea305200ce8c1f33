"""Text on the pages: user-supplied names made literal for markdown, the chart footnote, the method notes."""

from __future__ import annotations

import html
import re

import streamlit as st

from pages.ui.state import area

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&^\"'])")
# GitHub-flavoured markdown links "http://…", "www.…" and "name@host.uk" in plain text, escaped or not;
# an invisible word joiner (U+2060) in "://", after '@' and in "www." breaks that, and the text reads the same
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=@)|(?<=www)(?=\\\.)", re.IGNORECASE)
WORD_JOINER = "\u2060"


def safe_text(text: object) -> str:
    """User-supplied text (scenario, area, scheme, partner or file names) made literal for st.markdown.

    Every markdown, HTML and Streamlit directive character (``[`` ``]`` ``(`` ``!`` ``<``
    ``:`` ``$`` …) is backslash-escaped, addresses cannot be auto-linked and line breaks
    become spaces, so a name shows as typed: never a link, an image fetched from elsewhere,
    a heading, a colour or LaTeX. Use it wherever such text goes into markdown (also widget
    and metric labels).
    """
    flat = " ".join(str(text).split())
    return _AUTOLINK.sub(WORD_JOINER, _MARKDOWN_SPECIAL.sub(r"\\\1", flat))


def demo_note() -> str:
    """Footnote for charts: says when the numbers are illustrative."""
    # chart text is Plotly's HTML subset: an area name must not become a link there either
    return "Illustrative demo data (synthetic)" if area().meta.synthetic else f"Data: {html.escape(area().meta.name)}"


def how_calculated(markdown: str) -> None:
    """The page's method note in a closed expander (hidden when presenting); ``markdown`` is the app's own text."""
    if st.session_state.get("presentation"):
        return
    with st.expander("How this is calculated"):
        st.markdown(markdown)
