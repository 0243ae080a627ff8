"""Text normalisation and tokenising for archive search.

Chinese has no spaces, so the index holds every character (unigram) and every pair of
adjacent characters (bigram) of the normalised text, as pg_bigm does for CJK, each as a
32-bit integer code (see token_codes). A query term
of one or two characters is then found exactly by one index token; a longer term by its
bigrams, with a substring check on the stored normalised text to rule out articles that
hold the bigrams in other places.

Normalisation works character by character (NFKC, lower case, traditional → simplified),
so that ``normalize(a + b) == normalize(a) + normalize(b)``: a substring of the original
text is a substring of the normalised text, and a match in the normalised text maps back
to a span of the original for highlighting.
"""

import sys
import unicodedata
from array import array
from functools import cache

import opencc

# Fields of one article are joined with this separator in the stored text. Normalisation
# maps every whitespace character to a space, so no normalised field or query term contains
# it, and no match can run from one field into the next.
FIELD_SEPARATOR = "\n"


@cache
def _t2s():
    # OpenCC's dictionaries are read once per process; conversion is per character here,
    # which keeps the mapping length-preserving (phrase conversion could change lengths).
    return opencc.OpenCC("t2s")


def _normalize_char(ch: str) -> str:
    category = unicodedata.category(ch)
    if category in ("Cc", "Cs", "Co", "Cn", "Zl", "Zp"):
        # Control characters, lone surrogates and unassigned code points can't be stored
        # (PostgreSQL rejects NUL and surrogates) and are never searched for: they separate.
        return " "
    if category == "Cf":
        # Zero-width spaces, joiners, BOMs: invisible, so a reader never types them.
        return ""
    out = []
    for part in unicodedata.normalize("NFKC", ch).lower():
        if part.isspace():
            out.append(" ")
        elif "\u3400" <= part <= "\u9fff" or "\uf900" <= part <= "\ufaff" or part >= "\U00020000":
            simplified = _t2s().convert(part)
            out.append(simplified if len(simplified) == 1 else part)
        else:
            out.append(part)
    return "".join(out)


class _NormalizationTable(dict):
    """A str.translate table that fills itself: each code point is worked out once."""

    def __missing__(self, code: int) -> str:
        result = _normalize_char(chr(code))
        self[code] = result
        return result


_TABLE = _NormalizationTable()
# Plain ASCII is common in every text; precompute it so the first request doesn't pay.
for _code in range(128):
    _TABLE[_code]


def normalize(text: str) -> str:
    """Full-/half-width forms folded, lower case, traditional → simplified, whitespace → space."""
    if not text:
        return ""
    return text.translate(_TABLE)


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """The normalised text and, for each of its characters, the index of the original one.

    A final entry ``len(text)`` lets a match ending at the end map back too.
    """
    pieces = []
    offsets = []
    for index, ch in enumerate(text):
        piece = _TABLE[ord(ch)]
        pieces.append(piece)
        offsets.extend([index] * len(piece))
    offsets.append(len(text))
    return "".join(pieces), offsets


def join_fields(fields) -> str:
    """Normalised fields joined so that no match spans two of them."""
    return FIELD_SEPARATOR.join(n for n in (normalize(f) for f in fields) if n.strip())


def _units(text: str) -> bytes:
    return text.encode("utf-16-le")


def token_codes(normalized_text: str, *, signed: bool = True) -> set[int]:
    """The index tokens of normalised text as 32-bit integers; fields separated by FIELD_SEPARATOR.

    Tokens are the UTF-16 code units (unigrams) and every pair of adjacent units (bigrams)
    of each field. A unit is below 65,536; a bigram is ``first | second << 16``, which is
    65,536 or more (or negative, signed) since no normalised unit is 0: the two never collide
    and a bigram is exact, no hash. Characters beyond the BMP (emoji, rare CJK) are two units;
    a query spells them the same way. Integers make a GIN index on PostgreSQL several times
    cheaper to build and update than text lexemes, and they are read straight from the UTF-16
    bytes rather than built one by one in Python.

    Whitespace-only tokens are left out: a query term never consists of whitespace alone,
    and its exactness is checked against the stored text anyway.
    """
    typecode = "i" if signed else "I"
    result: set[int] = set()
    for field in normalized_text.split(FIELD_SEPARATOR):
        if not field:
            continue
        data = _units(field)
        units = len(data) // 2
        result.update(_words("H", data))
        result.update(_words(typecode, data[: (units // 2) * 4]))
        result.update(_words(typecode, data[2 : 2 + ((units - 1) // 2) * 4]))
    result.discard(_SPACE)
    result.discard(_SPACE_PAIR)
    return result


def _words(typecode: str, data: bytes) -> array:
    words = array(typecode, data)
    if sys.byteorder == "big":
        words.byteswap()  # the codes are defined on little-endian words
    return words


_SPACE = 0x20
_SPACE_PAIR = 0x20 | 0x20 << 16


def _code(pair: bytes, *, signed: bool) -> int:
    if len(pair) == 2:
        return int.from_bytes(pair, "little")
    return int.from_bytes(pair, "little", signed=signed)


def term_codes(term: str, *, signed: bool = True, limit: int = 8) -> list[int]:
    """The token codes that an article containing ``term`` (normalised) must hold.

    A term of one or two code units is a single token and needs no further check. A longer
    term needs all its bigrams; a handful spread over the term narrows the candidates just
    as well, and the substring check makes the result exact.
    """
    if not term.strip():
        return []
    data = _units(term)
    if len(data) <= 4:
        return [_code(data, signed=signed)]
    pairs = [data[i : i + 4] for i in range(0, len(data) - 2, 2)]
    pairs = [p for p in dict.fromkeys(pairs) if p.decode("utf-16-le", "surrogatepass").strip()]
    if len(pairs) > limit:
        step = (len(pairs) - 1) / (limit - 1)
        pairs = [pairs[round(i * step)] for i in range(limit)]
    return [_code(p, signed=signed) for p in pairs]


def needs_substring_check(term: str) -> bool:
    return len(_units(term)) > 4
