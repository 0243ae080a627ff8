"""Index entries as a binary COPY stream for PostgreSQL.

An entry carries hundreds of token codes. Sent as text (an ``int4[]`` literal in an INSERT, or
COPY's text format) each code is printed by the client and parsed again by the server; in
COPY's binary format an ``int4[]`` is a small header and then (length, value) pairs of
big-endian 32-bit integers, which numpy writes for a whole array at once, and which the
server reads without parsing. The format is PostgreSQL's documented one ("COPY", "Binary
Format"; arrays as ``array_send`` writes them).
"""

import datetime
import struct

import numpy as np

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)  # signature, flags, no extension
TRAILER = struct.pack("!h", -1)
INT4_OID = 23
_EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)  # PostgreSQL's timestamp epoch
_NULL = struct.pack("!i", -1)
_INT8 = struct.Struct("!iq")  # length 8, value (article ids are bigint)
_ARRAY_HEADER = struct.Struct("!iiiiii")  # field length, ndim, has nulls, element type, size, lower bound
_EMPTY_ARRAY = struct.pack("!iiii", 12, 0, 0, INT4_OID)


def int4_array(values) -> bytes:
    """One ``int4[]`` field (its length word included) from a sequence or numpy array of ints."""
    codes = np.asarray(values, dtype=np.int32)
    if not codes.size:
        return _EMPTY_ARRAY
    pairs = np.empty((codes.size, 2), dtype=">i4")
    pairs[:, 0] = 4
    pairs[:, 1] = codes
    return _ARRAY_HEADER.pack(20 + 8 * codes.size, 1, 0, INT4_OID, codes.size, 1) + pairs.tobytes()


def text(value: str) -> bytes:
    data = value.encode()
    return struct.pack("!i", len(data)) + data


def timestamptz(value: datetime.datetime | None) -> bytes:
    if value is None:
        return _NULL
    # Integer arithmetic on the timedelta: microseconds exactly, no float rounding.
    delta = value - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return struct.pack("!iq", 8, micros)


def entry_row(
    article_id: int, head: str, body: str, status: str, published_at, clusters, commentators, page: str, grams
) -> bytes:
    """One row of (article_id, head, body, status, published_at, clusters, commentators, page, grams)."""
    return b"".join(
        (
            struct.pack("!h", 9),
            _INT8.pack(8, article_id),
            text(head),
            text(body),
            text(status),
            timestamptz(published_at),
            int4_array(clusters),
            int4_array(commentators),
            text(page),
            int4_array(grams),
        )
    )
