"""Text normalisation and tokenising for archive search.

Chinese has no spaces, so the index holds every character (unigram) and every pair of
adjacent characters (bigram) of the normalised text, as pg_bigm does for CJK, and besides
every three and every four characters in a row that include a digit or Latin letter
(trigrams and quadgrams), each token a 32-bit integer code (see token_array). Strictly the
units are UTF-16 code units, so a character beyond the BMP counts as two. A query term of one
or two units is found exactly by one index token; a longer term by its bigrams and its
trigrams or quadgrams (term_codes), with a substring check on the stored normalised text to
rule out articles that hold them in other places. The index entry of an article also holds
its publication month, year, clusters, commentators and page (search/extra_tokens.py), in a
code range text tokens never use.

Normalisation works character by character (NFKC, lower case, traditional → simplified),
so that ``normalize(a + b) == normalize(a) + normalize(b)``: a substring of the original
text is a substring of the normalised text, and a match in the normalised text maps back
to a span of the original for highlighting.
"""

import re
import unicodedata
from functools import cache

import numpy as np
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


class _Scanner:
    """Finds the runs of characters that normalisation may change, so only they are looked up.

    translate() looks every character up in a Python dict, building an int object for each
    CJK character. But an article has a few hundred distinct characters, nearly all of which
    normalise to themselves: a regular expression over "anything not known to stay as it is"
    skips those in C and hands only the rest (full-width punctuation, capitals, line breaks,
    traditional forms, characters not seen before) to translate(). Characters found to stay
    as they are join the known set; the expression is rebuilt when that set has grown by a
    quarter, so the rebuilds cost about as much, in all, as the last one.
    """

    def __init__(self):
        self.stable: set[str] = {chr(code) for code in range(128) if _TABLE[code] == chr(code)}
        self.pending: set[str] = set()
        self._compile()

    def _compile(self):
        self.stable |= self.pending
        self.pending = set()
        chars = "".join(re.escape(ch) for ch in sorted(self.stable))
        self.pattern = re.compile(f"[^{chars}]+")

    def _replace(self, match) -> str:
        run = match.group()
        table = _TABLE
        for ch in run:
            if table[ord(ch)] == ch and not "\ud800" <= ch <= "\udfff":
                self.pending.add(ch)
        return run.translate(table)

    def normalize(self, text: str) -> str:
        for ch, replacement in _FREQUENT:
            text = text.replace(ch, replacement)
        result = self.pattern.sub(self._replace, text)
        if len(self.pending) > max(32, len(self.stable) // 4):
            self._compile()
        return result


# Changed characters frequent enough in news text (dozens per article) that one str.replace()
# pass each beats a call per occurrence. Their replacements normalise to themselves, so
# replacing them first gives what translate() gives.
_FREQUENT = [(ch, _TABLE[ord(ch)]) for ch in "\n，。、；：！？（）\u3000" if _TABLE[ord(ch)] != ch]
assert all(_TABLE[ord(part)] == part for _, out in _FREQUENT for part in out)
_SCANNER = _Scanner()


def normalize(text: str) -> str:
    """Full-/half-width forms folded, lower case, traditional → simplified, whitespace → space."""
    if not text:
        return ""
    if len(text) < 32:
        return text.translate(_TABLE)
    return _SCANNER.normalize(text)


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


def token_array(normalized_text: str, *, signed: bool = True) -> np.ndarray:
    """The index tokens of normalised text as a sorted array of distinct 32-bit codes.

    Fields are separated by FIELD_SEPARATOR. Tokens are the UTF-16 code units (unigrams),
    every pair of adjacent units (bigrams) and every three and four adjacent units that include
    a digit or Latin letter (trigrams and quadgrams, hashed, see _hashed_codes) of each field.
    A unit is below 65,536; a bigram is ``first | second << 16``, which is 65,536 or more (or negative, signed)
    since no normalised unit is 0: the two never collide and a bigram is exact, no hash.
    Characters beyond the BMP (emoji, rare CJK) are two units; a query spells them the same
    way. Integers make a GIN index on PostgreSQL several times cheaper to build and update
    than text lexemes (SQLite's FTS5 gets them as unsigned decimal words), and they are read
    straight from the UTF-16 bytes rather than built one by one in Python.

    Whitespace-only tokens are left out: a query term never consists of whitespace alone,
    and its exactness is checked against the stored text anyway.
    """
    # With numpy the codes are computed and deduplicated over whole arrays: a Python loop, or
    # even set.update() over an array, pays for every character of the text. Callers that
    # write the codes in binary (COPY on PostgreSQL) never make a Python int of them at all.
    units = np.frombuffer(_units(normalized_text), dtype="<u2").astype(np.uint32)
    separator = units == _SEPARATOR_UNIT
    pairs = (units[:-1] | units[1:] << 16)[~(separator[:-1] | separator[1:])]
    latin = _is_latin_or_digit(units)
    hashed = [_hashed_codes(units, latin, separator, width) for width in (3, 4)]
    codes = np.concatenate((units[~separator], pairs, *hashed))
    codes = codes[(codes != _SPACE) & (codes != _SPACE_PAIR)]
    if codes.size:
        # sort + neighbour mask: np.unique does the same with more overhead per call.
        codes.sort()
        codes = codes[np.concatenate(([True], codes[1:] != codes[:-1]))]
    return codes.view(np.int32) if signed else codes


# Digits and Latin letters make few distinct bigrams (as 一二…九 do), so every article holds
# the bigrams of most dates and amounts: 12月26日 or 3.5% alone would leave the substring check
# to weed out nine candidates in ten. Three and four units in a row that include one of them
# therefore make a token too (trigrams and quadgrams): an article with 12月25日 and 11月26日
# holds every trigram of 12月26日 (two in three of that term's candidates at a million
# articles) but not its quadgram 2月26. Each is a hash into the codes ``k << 16`` with k from
# 32,768 to 65,535 (no unigram or bigram has its low 16 bits all zero; extra_tokens takes k
# below 32,768), so a collision only ever adds candidates, which the substring check removes:
# such terms are always longer than two units, hence always checked.
_TRIGRAM_BASE = 32768
_HASH = (np.uint32(0x9E3779B1), np.uint32(0x85EBCA77), np.uint32(0xC2B2AE3D), np.uint32(0x27D4EB2F))


def _is_latin_or_digit(units: np.ndarray) -> np.ndarray:
    return ((units >= 0x30) & (units <= 0x39)) | ((units >= 0x61) & (units <= 0x7A))


def _hashed_codes(units: np.ndarray, latin: np.ndarray, separator: np.ndarray, width: int) -> np.ndarray:
    """The codes of every ``width`` (3 or 4) units in a row that include a digit or Latin
    letter (``latin``, per unit) and no field separator."""
    count = units.size - width + 1
    if count < 1:
        return np.empty(0, dtype=np.uint32)
    keep = np.zeros(count, dtype=bool)
    for i in range(width):
        keep |= latin[i : i + count]
    for i in range(width):
        keep &= ~separator[i : i + count]
    if not keep.any():
        return np.empty(0, dtype=np.uint32)
    hashed = np.zeros(int(keep.sum()), dtype=np.uint32)
    for i in range(width):
        hashed += units[i : i + count][keep] * _HASH[i]  # wraps modulo 2**32, as meant
    return ((hashed >> np.uint32(17)) + np.uint32(_TRIGRAM_BASE)) << np.uint32(16)


def token_codes(normalized_text: str, *, signed: bool = True) -> set[int]:
    """token_array() as a set of Python ints."""
    return set(token_array(normalized_text, signed=signed).tolist())


# Units token_array() leaves out: the field separator (no token spans two fields) and
# whitespace-only tokens.
_SEPARATOR_UNIT = ord(FIELD_SEPARATOR)
_SPACE = 0x20
_SPACE_PAIR = 0x20 | 0x20 << 16


def _code(pair: bytes, *, signed: bool) -> int:
    if len(pair) == 2:
        return int.from_bytes(pair, "little")
    return int.from_bytes(pair, "little", signed=signed)


def term_codes(term: str, *, signed: bool = True, limit: int = 8) -> list[int]:
    """The token codes that an article containing ``term`` (normalised) must hold.

    A term of one or two code units is a single token and needs no further check. A longer
    term needs all its bigrams, and its quadgrams (three units long: its trigrams) with a digit
    or Latin letter; a handful spread over the term (the hashed ones first, being rarer)
    narrows the candidates just as well, and the substring check makes the result exact. A
    longer term's trigrams are left out: each lies within one of its quadgrams.
    """
    if not term.strip():
        return []
    data = _units(term)
    if len(data) <= 4:
        return [_code(data, signed=signed)]
    pairs = [data[i : i + 4] for i in range(0, len(data) - 2, 2)]
    pairs = [p for p in dict.fromkeys(pairs) if p.decode("utf-16-le", "surrogatepass").strip()]
    codes = [_code(p, signed=signed) for p in pairs]
    units = np.frombuffer(data, dtype="<u2").astype(np.uint32)
    width = 4 if units.size >= 4 else 3
    no_separator = np.zeros(units.size, dtype=bool)
    hashed = list(dict.fromkeys(_hashed_codes(units, _is_latin_or_digit(units), no_separator, width).tolist()))
    if signed:
        hashed = [code - (1 << 32) for code in hashed]  # all have the top bit set
    return _spread(hashed, limit) + _spread(codes, max(limit - len(hashed), 2))


def _spread(codes: list[int], limit: int) -> list[int]:
    """At most ``limit`` of the codes, spread evenly from the first to the last."""
    if len(codes) <= limit:
        return codes
    step = (len(codes) - 1) / (limit - 1)
    return [codes[round(i * step)] for i in range(limit)]


def needs_substring_check(term: str) -> bool:
    return len(_units(term)) > 4
