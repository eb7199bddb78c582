"""Article bodies: Markdown → HTML, sanitised so no script ever runs.

Markdown lets raw HTML through, so its output is cleaned with nh3 (the
ammonia sanitiser) against an allow-list: no ``<script>``, no ``on*=``
attributes, no ``style``, and links only to http, https and mailto.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import markdown
import nh3

ALLOWED_TAGS = frozenset(
    {
        "a",
        "b",
        "blockquote",
        "br",
        "code",
        "dd",
        "del",
        "dl",
        "dt",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "kbd",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "td": {"align"},
    "th": {"align"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
_SPACES = re.compile(r"[ \t]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def render_markdown(source: str) -> str:
    """Sanitised HTML of a Markdown text."""
    raw = markdown.markdown(
        source, extensions=["fenced_code", "tables", "sane_lists"], output_format="html"
    )
    return nh3.clean(
        raw,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def plain_text(safe_html: str) -> str:
    """The words of sanitised HTML, for snippets and the search index."""
    text = html.unescape(nh3.clean(safe_html, tags=set()))
    text = _SPACES.sub(" ", text)
    return _BLANK_LINES.sub("\n\n", text).strip()


# Blocks that end a paragraph in the readable text.
_BLOCKS = frozenset(
    {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "pre", "table"}
    | {"blockquote", "dl", "hr", "tr"}
)


class _Reader(HTMLParser):
    """Sanitised HTML as a person reads it in a plain-text mail: paragraphs
    apart, list items with a bullet or their number, a link's address after
    its words, preformatted text kept as it is, no markup characters."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.lists: list[list] = []  # [kind, next number] per open list
        self.href: list[str | None] = []
        self.link_text: list[str] = []
        self.pre = 0
        self.quote = 0

    def _break(self, blank: bool = True) -> None:
        self.out.append("\n\n" if blank else "\n")

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("ul", "ol"):
            if not self.lists:
                self._break()
            self.lists.append([tag, 1])
        elif tag == "li":
            self._break(blank=False)
            depth = max(len(self.lists) - 1, 0)
            kind = self.lists[-1] if self.lists else ["ul", 1]
            bullet = f"{kind[1]}. " if kind[0] == "ol" else "- "
            if kind[0] == "ol":
                kind[1] += 1
            self.out.append("  " * depth + bullet)
        elif tag == "br":
            self._break(blank=False)
        elif tag in ("td", "th"):
            if self.out and not self.out[-1].endswith("\n"):
                self.out.append("| " if self.out[-1].endswith(" ") else " | ")
        elif tag == "a":
            self.href.append(dict(attrs).get("href"))
            self.link_text.append("")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.out.append(f"[{alt}]")
        elif tag in _BLOCKS:
            self._break(blank=tag not in ("tr",))
            if tag == "pre":
                self.pre += 1
            elif tag == "blockquote":
                self.quote += 1
            elif tag == "hr":
                self.out.append("----")
                self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            if not self.lists:
                self._break()
        elif tag == "a" and self.href:
            href, words = self.href.pop(), self.link_text.pop().strip()
            if href and href.removeprefix("mailto:") != words:
                self.out.append(f" ({href})")
        elif tag in _BLOCKS and tag != "tr":
            if tag == "pre":
                self.pre -= 1
            elif tag == "blockquote":
                self.quote -= 1
            self._break()

    def handle_data(self, data: str) -> None:
        if not self.pre:
            data = _SPACES.sub(" ", data.replace("\n", " "))
            if not data.strip():
                # The spaces between tags: one between words, none after a break.
                if self.out and not self.out[-1].endswith(("\n", " ")):
                    self.out.append(" ")
                return
            if self.out and self.out[-1].endswith("\n"):
                data = data.lstrip()
        if self.quote:
            data = data.replace("\n", "\n> ")
            if not self.out or self.out[-1].endswith("\n"):
                data = "> " + data.lstrip()
        if self.link_text:
            self.link_text[-1] += data
        self.out.append(data)

    def text(self) -> str:
        lines = [line.rstrip() for line in "".join(self.out).split("\n")]
        text = "\n".join(line if line.strip() else "" for line in lines)
        return _BLANK_LINES.sub("\n\n", text).strip()


def readable_text(safe_html: str) -> str:
    """Sanitised HTML (``render_markdown``'s) as plain text for people: what
    a plain-text e-mail carries instead of the Markdown source, so no ``**``
    or ``[..](..)`` reaches a customer."""
    reader = _Reader()
    reader.feed(safe_html)
    reader.close()
    return reader.text()
