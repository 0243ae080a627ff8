import itertools

from hypothesis import given
from hypothesis import strategies as st

from search.text import (
    FIELD_SEPARATOR,
    join_fields,
    needs_substring_check,
    normalize,
    normalize_with_offsets,
    term_codes,
    token_codes,
)


def test_normalize_folds_width_case_and_traditional_forms():
    assert normalize("衡陽ＡＢＣ　１２３％") == "衡阳abc 123%"  # noqa: RUF001
    assert normalize("HengYang") == "hengyang"
    assert normalize("頭髮後來發展") == "头发后来发展"


def test_normalize_turns_whitespace_and_control_characters_into_spaces():
    assert normalize("a\nb\tc\u3000d\x00e\ud800f") == "a b c d e f"
    assert FIELD_SEPARATOR not in normalize("line\nbreak\r\n")


def test_normalize_drops_invisible_format_characters():
    assert normalize("衡\u200b阳\ufeff") == "衡阳"


@given(st.text(), st.text())
def test_normalize_works_character_by_character(a, b):
    # What makes substring matching on normalised text agree with the original text.
    assert normalize(a + b) == normalize(a) + normalize(b)


@given(st.text())
def test_offsets_map_every_normalised_character_back(text):
    normalized, offsets = normalize_with_offsets(text)
    assert normalized == normalize(text)
    assert len(offsets) == len(normalized) + 1
    assert offsets == sorted(offsets)
    assert offsets[-1] == len(text)


def signed32(code):
    return code - 2**32 if code >= 2**31 else code


def trigram_code(a, b, c):
    hashed = (a * 0x9E3779B1 + b * 0x85EBCA77 + c * 0xC2B2AE3D) % 2**32
    return signed32(((hashed >> 17) + 32768) << 16)


def quadgram_code(a, b, c, d):
    hashed = (a * 0x9E3779B1 + b * 0x85EBCA77 + c * 0xC2B2AE3D + d * 0x27D4EB2F) % 2**32
    return signed32(((hashed >> 17) + 32768) << 16)


def latin_or_digit(unit):
    return chr(unit) in "0123456789abcdefghijklmnopqrstuvwxyz"


def expected_codes(text):
    """token_codes spelt out slowly: every unit and adjacent pair of units, and every three and
    every four units in a row with a digit or Latin letter among them, per field."""
    codes = set()
    for field in text.split(FIELD_SEPARATOR):
        units = [
            int.from_bytes(field.encode("utf-16-le")[i : i + 2], "little")
            for i in range(0, len(field.encode("utf-16-le")), 2)
        ]
        codes.update(units)
        for a, b in itertools.pairwise(units):
            codes.add(signed32(a | b << 16))
        for a, b, c in zip(units, units[1:], units[2:], strict=False):
            if any(latin_or_digit(u) for u in (a, b, c)):
                codes.add(trigram_code(a, b, c))
        for a, b, c, d in zip(units, units[1:], units[2:], units[3:], strict=False):
            if any(latin_or_digit(u) for u in (a, b, c, d)):
                codes.add(quadgram_code(a, b, c, d))
    return codes - {0x20, 0x20 | 0x20 << 16}


def test_token_codes_are_unigrams_and_bigrams_per_field():
    heng, yang, shi = ord("衡"), ord("阳"), ord("市")
    pair = heng | yang << 16
    assert {heng, yang, shi} <= token_codes(join_fields(["衡阳市", "ab"]))
    assert pair - 2**32 in token_codes(join_fields(["衡阳市"]))
    assert pair in token_codes(join_fields(["衡阳市"]), signed=False)
    # No token spans two fields.
    assert (shi | ord("a") << 16) not in token_codes(join_fields(["衡阳市", "ab"]), signed=False)


@given(st.lists(st.text(), max_size=3))
def test_token_codes_match_their_definition(fields):
    text = join_fields(fields)
    assert token_codes(text) == expected_codes(text)


def test_term_codes():
    assert term_codes("衡") == [ord("衡")]
    assert term_codes("衡阳") == [(ord("衡") | ord("阳") << 16) - 2**32]
    assert len(term_codes("有色金属")) == 3
    assert len(term_codes("一二三四五六七八九十甲乙丙丁")) == 8
    assert not needs_substring_check("衡阳") and needs_substring_check("衡阳市")
    # Beyond the BMP a character is two units: one bigram, still exact.
    assert len(term_codes("😀")) == 1 and not needs_substring_check("😀")
    # Dates and amounts are asked for by their quadgrams first: their bigrams are everywhere.
    assert term_codes("12月26日")[:3] == [quadgram_code(*map(ord, t)) for t in ("12月2", "2月26", "月26日")]
    assert term_codes("3.5%")[0] == quadgram_code(*map(ord, "3.5%"))
    # Three units long, a term has no quadgram: its trigram.
    assert term_codes("5g网")[0] == trigram_code(*map(ord, "5g网"))


def test_trigram_tokens_set_dates_apart():
    """An article with 12月 and 26日 in other places holds every bigram of 12月26日 but not
    its trigrams: the index no longer offers it as a candidate."""
    other = token_codes(join_fields(["12月2日开工，26日竣工"]))
    assert {c for c in term_codes("12月26日") if c & 0xFFFF} <= other
    assert not set(term_codes("12月26日")) <= other
    assert set(term_codes("12月26日")) <= token_codes(join_fields(["2019年12月26日开工"]))


def test_quadgram_tokens_set_dates_apart_where_trigrams_do_not():
    """12月25日 and 11月26日 hold every trigram of 12月26日 (12月, 2月2, 月26, 26日) but not its
    quadgram 2月26: the index does not offer such an article for 12月26日."""
    other = token_codes(join_fields(["12月25日签约，11月26日开工"]))
    assert {trigram_code(*map(ord, t)) for t in ("12月", "2月2", "月26", "26日")} <= other
    assert not set(term_codes("12月26日")) <= other


@given(st.text(min_size=1, max_size=30), st.booleans())
def test_every_code_of_a_term_is_a_code_of_text_containing_it(term, signed):
    term = normalize(term).strip()
    text = join_fields(["前文" + term + "后文"])
    assert set(term_codes(term, signed=signed)) <= token_codes(text, signed=signed)


def reference_normalize(text):
    """normalize() spelt out slowly: each character on its own, as the module docstring says."""
    from search.text import _normalize_char

    return "".join(_normalize_char(ch) for ch in text)


# Long enough to take the scanning path, with the characters it treats specially.
_MIXED = st.text(
    alphabet=st.one_of(
        st.sampled_from("衡陽阳頭髮后來发展，。、；：！？（）\n\u3000\u200b\ufeffＡＢＣａｂｃ１２３HengYangİﬁ㎏\t\r "),  # noqa: RUF001
        st.characters(),
    ),
    min_size=0,
    max_size=300,
)


@given(_MIXED)
def test_normalize_equals_the_character_by_character_reference(text):
    assert normalize(text) == reference_normalize(text)
    assert normalize(text * 3) == reference_normalize(text) * 3


def test_normalize_equals_the_reference_on_article_text():
    import random
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    import import_bench

    rng = random.Random(7)
    for n in range(50):
        article = import_bench.article_text(rng, n) + "衡陽ＡＢＣ　１２３％\x00\ud800頭髮"  # noqa: RUF001
        assert normalize(article) == reference_normalize(article)
