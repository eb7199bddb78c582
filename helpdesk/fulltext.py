"""Full-text search, the text side: shared by the knowledge base's article
search and the core's ticket search, the same on SQLite and PostgreSQL.

Both engines index words the application has already stemmed (Snowball:
Russian for Cyrillic words, English for Latin ones), so "принтера" and
"принтер", "printers" and "printer" meet in one stem whatever the database.
The last word of a query also matches as a prefix: it is usually still being
typed. Ranking is the database's own: bm25 over the FTS5 table on SQLite,
``ts_rank`` over the weighted tsvector on PostgreSQL; in both a word in the
title (or a tag) weighs far more than the same word in the body.

Snippets are cut from the plain text in Python: escape everything, then wrap
the words that match in ``<mark>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer
from markupsafe import Markup, escape

WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[а-я]")
_RUSSIAN = snowballstemmer.stemmer("russian")
_ENGLISH = snowballstemmer.stemmer("english")
MAX_TERMS = 12
MIN_PREFIX = 2  # a one-letter prefix matches half the index

# Words too common to tell articles apart; dropped from queries (not from
# the index, so a quoted title still reads naturally in snippets).
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "is",
        "it",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "so",
        "that",
        "the",
        "this",
        "to",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
        "а",
        "без",
        "бы",
        "в",
        "во",
        "вот",
        "все",
        "вы",
        "да",
        "для",
        "до",
        "его",
        "ее",
        "если",
        "есть",
        "же",
        "за",
        "и",
        "из",
        "или",
        "им",
        "их",
        "к",
        "как",
        "ко",
        "ли",
        "мне",
        "мой",
        "мы",
        "на",
        "над",
        "не",
        "нет",
        "но",
        "о",
        "об",
        "он",
        "она",
        "они",
        "от",
        "по",
        "под",
        "при",
        "с",
        "со",
        "так",
        "там",
        "то",
        "тоже",
        "у",
        "уже",
        "что",
        "чтобы",
        "это",
        "я",
    ]
)


def normalise(word: str) -> str:
    return word.lower().replace("ё", "е")


@lru_cache(maxsize=200_000)
def _stem_normalised(word: str) -> str:
    if _CYRILLIC.search(word):
        return _RUSSIAN.stemWord(word)
    if word.isascii() and word.isalpha():
        return _ENGLISH.stemWord(word)
    return word  # numbers, codes like "0x80070005", other scripts


def stem(word: str) -> str:
    """The Snowball stem of one word (lower-cased, ё as е)."""
    return _stem_normalised(normalise(word))


def index_text(*texts: str) -> str:
    """The stemmed words of ``texts``, space-separated, for a search column."""
    return " ".join(stem(w) for text in texts for w in WORD.findall(text))


@dataclass(frozen=True)
class Query:
    """A parsed query: whole-word stems, and the prefixes of the last word."""

    terms: tuple[str, ...]
    prefixes: tuple[str, ...] = ()
    # Answers of ``matches`` so far: snippets of ten hits ask about the same
    # few words again and again.
    _seen: dict[str, bool] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    def __bool__(self) -> bool:
        return bool(self.terms or self.prefixes)

    def matches(self, word: str) -> bool:
        """Whether ``word`` of a text is one the query looks for (for <mark>)."""
        seen = self._seen.get(word)
        if seen is None:
            seen = self._seen[word] = self._matches(word)
        return seen

    def _matches(self, word: str) -> bool:
        word = normalise(word)
        # Stems are prefixes of their words (after normalising) but for a few
        # English endings; a cheap first-letters test saves most stemming.
        if not any(word.startswith(k[:3]) for k in self._keys):
            return False
        stemmed = _stem_normalised(word)
        return stemmed in self.terms or any(
            stemmed.startswith(p) or word.startswith(p) for p in self.prefixes
        )

    @property
    def _keys(self) -> tuple[str, ...]:
        return self.terms + self.prefixes

    def fts5(self) -> str:
        """An FTS5 MATCH expression: any of the words, ranked by bm25."""
        parts = [f'"{t}"' for t in self.terms]
        parts += [f'"{p}"*' for p in self.prefixes]
        return " OR ".join(parts)

    def tsquery(self) -> str:
        """A PostgreSQL ``to_tsquery`` expression with the same meaning."""
        parts = [f"'{t}'" for t in self.terms]
        parts += [f"'{p}':*" for p in self.prefixes]
        return " | ".join(parts)

    def fts5_all(self, columns: tuple[str, ...] = ()) -> str:
        """An FTS5 MATCH expression that needs every word (the last one as
        any of its prefixes), only in ``columns`` when given."""
        parts = [f'"{t}"' for t in self.terms]
        if self.prefixes:
            parts.append("(" + " OR ".join(f'"{p}"*' for p in self.prefixes) + ")")
        expression = " AND ".join(parts)
        if not columns:
            return expression
        return "{" + " ".join(columns) + "} : (" + expression + ")"

    def tsquery_all(self, weights: str = "") -> str:
        """``fts5_all`` for PostgreSQL; ``weights`` (``"AB"``) stands for the
        columns: only lexemes of those weights match."""
        parts = [f"'{t}':{weights}" if weights else f"'{t}'" for t in self.terms]
        if self.prefixes:
            ors = " | ".join(f"'{p}':*{weights}" for p in self.prefixes)
            parts.append(f"({ors})")
        return " & ".join(parts)


def parse_query(text: str) -> Query:
    """Words of ``text`` → stems; the last word also as a prefix (≥ 2 letters).

    Stop words are dropped unless nothing else is left. Words are alphanumeric,
    so the MATCH and tsquery expressions built from them need no escaping.
    """
    words = [normalise(w) for w in WORD.findall(text)][:MAX_TERMS]
    if not words:
        return Query(terms=())
    *head, last = words
    terms = [_stem_normalised(w) for w in head if w not in STOP_WORDS]
    prefixes: list[str] = []
    if len(last) >= MIN_PREFIX and (last not in STOP_WORDS or not terms):
        stemmed = _stem_normalised(last)
        prefixes = [stemmed] if last.startswith(stemmed) else [stemmed, last]
    elif last not in STOP_WORDS:
        terms.append(_stem_normalised(last))
    return Query(terms=tuple(dict.fromkeys(terms)), prefixes=tuple(prefixes))


# --- snippets ----------------------------------------------------------------


def highlight(text: str, query: Query) -> Markup:
    """All of ``text``, escaped, with the matching words in ``<mark>``."""
    return _marked(text, query)


def snippet(text: str, query: Query, *, chars: int = 200) -> Markup:
    """About ``chars`` characters of ``text`` (whole words) around the
    densest run of matches, escaped, matches in ``<mark>``, ``…`` where the
    text was cut; line breaks become spaces.

    Candidate words are found by one regular expression over the text (their
    first letters), so only those few are stemmed: bodies can be long."""
    text = " ".join(text.split())
    hits = [
        m.start() for m in _candidates(query).finditer(text) if query.matches(m.group())
    ]
    lead = chars // 5  # a little text before the first match
    start = _densest_window(hits, chars - lead)
    if start > 0:  # from a word's start
        start = text.find(" ", max(0, start - lead), start) + 1
    end = start + chars
    if end < len(text):
        end = max(text.rfind(" ", start, end), start + 1)
    piece = text[start:end]
    return Markup(
        ("…" if start > 0 else "")
        + str(_marked(piece, query))
        + ("…" if end < len(text) else "")
    )


@lru_cache(maxsize=1024)
def _candidate_pattern(keys: tuple[str, ...]) -> re.Pattern:
    starts = sorted({k[:3] for k in keys})
    alternatives = "|".join(re.escape(k).replace("е", "[её]") for k in starts)
    return re.compile(rf"(?<![^\W_])(?:{alternatives})[^\W_]*", re.IGNORECASE)


def _candidates(query: Query) -> re.Pattern:
    return _candidate_pattern(query.terms + query.prefixes)


def _densest_window(hits: list[int], width: int) -> int:
    """The offset of the first hit of the window of ``width`` with most hits."""
    best_start, best_count, left = 0, 0, 0
    for right, position in enumerate(hits):
        while position - hits[left] >= width:
            left += 1
        if right - left + 1 > best_count:
            best_start, best_count = hits[left], right - left + 1
    return best_start


def _marked(text: str, query: Query) -> Markup:
    if not query:
        return escape(text)
    pieces: list[str] = []
    position = 0
    for match in _candidates(query).finditer(text):
        if query.matches(match.group()):
            pieces.append(str(escape(text[position : match.start()])))
            pieces.append(f"<mark>{escape(match.group())}</mark>")
            position = match.end()
    pieces.append(str(escape(text[position:])))
    return Markup("".join(pieces))
