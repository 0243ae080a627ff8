import pytest
from hypothesis import given
from hypothesis import strategies as st

from search.query import MAX_QUERY_LENGTH, ParsedQuery, QueryError, parse_query


@pytest.mark.parametrize(
    ("raw", "include", "exclude"),
    [
        ("衡阳", ("衡阳",), ()),
        ("衡阳  有色金属", ("衡阳", "有色金属"), ()),
        ('"中国 制造" -夏君山', ("中国 制造",), ("夏君山",)),
        ("“换道超车” 衡阳", ("换道超车", "衡阳"), ()),
        ('-"a b"', (), ("a b",)),
        ('"unclosed phrase', ("unclosed phrase",), ()),
        ("ＡＢＣ　衡陽", ("abc", "衡阳"), ()),  # noqa: RUF001
        ("衡 衡", ("衡",), ()),
        ("-", ("-",), ()),
        ("' OR 1=1 --", ("'", "or", "1=1"), ("-",)),
        ("%_\\", ("%_\\",), ()),
        ("   ", (), ()),
        ("", (), ()),
        ("\x00\x01\x1f", (), ()),
        ("\ud800衡阳\udfff", ("衡阳",), ()),
        ("，。！", (",。!",), ()),
    ],
)
def test_parse(raw, include, exclude):
    parsed = parse_query(raw)
    assert parsed.include == include
    assert parsed.exclude == exclude


def test_too_long_and_too_many_terms_are_errors_with_a_message():
    with pytest.raises(QueryError, match="过长"):
        parse_query("衡" * (MAX_QUERY_LENGTH + 1))
    with pytest.raises(QueryError, match="太多"):
        parse_query(" ".join(f"词{i}" for i in range(30)))


def test_empty():
    assert parse_query("  ").is_empty
    assert not parse_query("衡").is_empty


@given(st.text(max_size=MAX_QUERY_LENGTH))
def test_any_text_parses_or_raises_query_error(raw):
    try:
        parsed = parse_query(raw)
    except QueryError:
        return
    assert isinstance(parsed, ParsedQuery)
    for term in parsed.include + parsed.exclude:
        assert term and term == term.strip(" ")
        assert "\n" not in term
