"""The journal scanner tells a torn tail (a crash: cut, as always) from damage (anything else:
found, located, never cut).

Property tests build real journals, then damage them anywhere - a flipped byte, a garbage line,
a duplicated, dropped or swapped line - optionally with a torn tail after: the damage is found
at the first byte of the line it hit, readers get exactly the events before that line, and
`repair` refuses to touch the file. A torn tail alone is never damage.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from harmonia.events import Event
from harmonia.store import journal
from harmonia.store.journal import CorruptJournal


def scan(data: bytes, **options: Any) -> Any:
    from harmonia.store.journalscan import scan as scan_journal

    return scan_journal(data, **options)


EXECUTION = "20260101-000000-aaaaaa"

PAYLOADS = [
    {},
    {"attempt": 1},
    {"output": None, "attempt": 2},
    {"output": {"k": [1, "ü", {"x": True}]}, "attempt": 3},
    {"x": 'quote " backslash \\ tab \t newline \n'},
    {"output": -(2**40), "x": 2**40},
    {"output": "é中🙂", "x": 1.5},
    {"x": [[], {}, [None, False, ""]]},
]
"""What the damage lands in: nesting, escapes, multi-byte text, big numbers. Drawn from a list
(plus free text) rather than built recursively, which cost most of these tests' time."""
payloads = st.sampled_from(PAYLOADS) | st.text(max_size=12).map(lambda text: {"output": text})


@st.composite
def journals(draw: st.DrawFn, min_events: int = 2) -> list[Event]:
    count = draw(st.integers(min_events, 12))
    events = []
    for seq in range(1, count + 1):
        task = draw(st.sampled_from([None, "a", "b", "ü-task"]))
        data = draw(payloads)
        events.append(Event(seq, "task_completed", EXECUTION, task, 1.7e9 + seq / 7, data))
    return events


def lines_of(events: list[Event]) -> list[bytes]:
    return [e.to_journal_line() for e in events]


def starts(lines: list[bytes]) -> list[int]:
    out, pos = [], 0
    for line in lines:
        out.append(pos)
        pos += len(line)
    return out


def line_holding(lines: list[bytes], byte: int) -> int:
    return max(i for i, start in enumerate(starts(lines)) if start <= byte)


@st.composite
def damaged_journals(draw: st.DrawFn) -> tuple[list[Event], bytes, int]:
    """A journal, its bytes after one kind of damage, and the index of the first damaged line."""
    events = draw(journals())
    lines = lines_of(events)
    data = b"".join(lines)
    kind = draw(st.sampled_from(["flip", "garbage", "duplicate", "drop", "swap"]))
    if kind == "flip":
        # any byte but the very last newline (losing it makes the last line a torn tail)
        at = draw(st.integers(0, len(data) - 2))
        mask = draw(st.integers(1, 255))
        damaged = data[:at] + bytes([data[at] ^ mask]) + data[at + 1 :]
        return events, damaged, line_holding(lines, at)
    if kind == "garbage":
        where = draw(st.integers(0, len(lines)))
        junk = draw(st.binary(min_size=1, max_size=40).filter(lambda b: b"\n" not in b))
        assume(junk.strip(b"\x00"))  # zeroed blocks at the very end are a power loss's tail
        return events, b"".join([*lines[:where], junk + b"\n", *lines[where:]]), where
    if kind == "duplicate":
        where = draw(st.integers(0, len(lines) - 1))
        return events, b"".join([*lines[: where + 1], lines[where], *lines[where + 1 :]]), where + 1
    if kind == "drop":  # not the last line: a journal one event shorter is a good journal
        where = draw(st.integers(0, len(lines) - 2))
        return events, b"".join([*lines[:where], *lines[where + 1 :]]), where
    where = draw(st.integers(0, len(lines) - 2))
    swapped = [*lines[:where], lines[where + 1], lines[where], *lines[where + 2 :]]
    return events, b"".join(swapped), where


torn_tails = st.one_of(
    st.just(b""),
    st.binary(max_size=30).filter(lambda b: b"\n" not in b),
    st.integers(1, 64).map(lambda n: b"\x00" * n),
)


# 200: the suite's fixed examples reach every line-to-line step of harmonia that 400 reach (154,
# the last at the 171st, counted with settrace); the second 200 added none, only 2 s of CPU
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged_journals(), torn_tails)
def test_damage_anywhere_is_found_at_the_line_it_hit(
    tmp_path_factory: pytest.TempPathFactory, case: tuple[list[Event], bytes, int], tail: bytes
) -> None:
    events, damaged, first_bad = case
    data = damaged + tail
    path = tmp_path_factory.mktemp("j") / "journal.jsonl"
    path.write_bytes(data)
    offset = sum(len(line) for line in lines_of(events)[:first_bad])

    with pytest.raises(CorruptJournal) as caught:
        journal.repair(path)
    assert caught.value.damage.offset == offset
    assert path.read_bytes() == data  # evidence: nothing cut, nothing added
    assert journal.read_events(path) == events[:first_bad]
    result = scan(data, execution_id=EXECUTION)
    assert result.damage is not None, "damage not found"
    assert result.damage.offset == offset
    assert result.damage.line == first_bad + 1
    assert result.events == events[:first_bad]
    assert journal.load(path, repair=True, execution_id=EXECUTION).damage == result.damage
    assert path.read_bytes() == data


# 50: all the steps through the store's code are taken by the 3rd fixed example (settrace
# count); 50 still draw each kind of tail (cut mid-line, zeroed, zeroed lines) many times
@settings(max_examples=50, deadline=None)
@given(journals(min_events=1), st.data())
def test_a_torn_tail_is_never_damage(  # what a crash leaves is still cut, as it always was
    tmp_path_factory: pytest.TempPathFactory, events: list[Event], data: st.DataObject
) -> None:
    lines = lines_of(events)
    good = b"".join(lines)
    cut_line = data.draw(st.sampled_from(lines))
    tail = data.draw(
        st.one_of(
            st.integers(0, len(cut_line) - 1).map(lambda n: cut_line[:n]),  # killed mid-write
            st.integers(1, 64).map(lambda n: b"\x00" * n),  # zeroed by a power loss
            st.lists(st.integers(1, 9), min_size=1).map(
                lambda ns: b"\n".join(b"\x00" * n for n in ns) + b"\n"
            ),
        )
    )
    path = tmp_path_factory.mktemp("j") / "journal.jsonl"
    path.write_bytes(good + tail)
    assert journal.read_events(path) == events
    assert scan(good + tail).damage is None
    assert journal.repair(path) == len(tail)
    assert path.read_bytes() == good


def line(seq: int, **fields: Any) -> bytes:
    raw = {"seq": seq, "type": "task_started", "execution_id": EXECUTION, "task_id": "a"}
    raw.update({"ts": 1.0, "data": {"attempt": 1}}, **fields)
    return orjson.dumps(raw) + b"\n"


def sealed(seq: int, **data: Any) -> bytes:
    return Event(seq, "task_started", EXECUTION, "a", 1.0, data or {"attempt": 1}).to_journal_line()


@pytest.mark.parametrize(
    ("lines", "bad_line", "reason"),
    [
        ([sealed(1), b'{"seq":2,"hello":1}\n', sealed(3)], 2, "not an event: no 'type'"),
        ([sealed(1), b"[1, 2]\n", sealed(2)], 2, "not a JSON object"),
        ([sealed(1), sealed(3)], 2, "seq 3 after seq 1: events 2 are missing"),
        ([sealed(1), sealed(2), sealed(6)], 3, "events 3-5 are missing"),
        ([sealed(1), sealed(1)], 2, "seq 1 repeats the line before"),
        ([sealed(2)], 1, "events 1 are missing"),
        ([sealed(1), line(2)], 2, "no checksum, after lines that have one"),
        ([line(1), line(2, execution_id="other")], 2, "an event of another execution (other)"),
        (
            [sealed(1), Event(2, "task_started", "other", "a", 1.0, {}).to_journal_line()],
            2,
            "an event of another execution (other)",
        ),
        ([line(1), line(2, ts="x")], 2, "no numeric 'ts'"),
        ([sealed(1), sealed(2).replace(b'"a"', b'"b"')], 2, "checksum mismatch"),
        ([sealed(1), b"\n", sealed(2)], 2, "not valid JSON"),
    ],
)
def test_what_is_wrong_is_named(
    tmp_path: Path, lines: list[bytes], bad_line: int, reason: str
) -> None:
    data = b"".join(lines)
    result = scan(data, execution_id=EXECUTION)
    assert result.damage is not None
    assert result.damage.line == bad_line
    assert result.damage.offset == sum(len(x) for x in lines[: bad_line - 1])
    assert reason in result.damage.reason


def test_lines_written_before_checksums_still_read(tmp_path: Path) -> None:
    """A journal from before lines were sealed, continued after: both kinds read."""
    data = line(1) + line(2) + sealed(3) + sealed(4)
    result = scan(data, execution_id=EXECUTION)
    assert result.damage is None
    assert [e.seq for e in result.events] == [1, 2, 3, 4]
    # an unsealed line whose bytes changed but still parse cannot be told: it is read
    assert scan(line(1) + line(2, task_id="b")).damage is None


def test_a_sealed_line_changed_in_a_way_that_still_parses_is_found() -> None:
    good = sealed(1, attempt=1, output="hello")
    changed = good.replace(b"hello", b"hellp")
    assert orjson.loads(changed)  # still JSON, still an event: only the checksum knows
    result = scan(sealed(1) + sealed(2) + changed.replace(b'"seq":1', b'"seq":3'))
    assert result.damage is not None and "checksum mismatch" in result.damage.reason


def test_a_repair_marker_may_skip_seqs_it_names() -> None:
    """`harmonia resume --from-damaged` ends the readable part with a `journal_repaired` event
    whose seq follows the state's (a snapshot may be ahead) and which names the seq it follows."""

    def marker(seq: int, after: int) -> bytes:
        return Event(
            seq, "journal_repaired", EXECUTION, None, 2.0, {"after_seq": after}
        ).to_journal_line()

    assert scan(sealed(1) + sealed(2) + marker(9, 2) + sealed(10)).damage is None
    wrong = scan(sealed(1) + sealed(2) + marker(9, 1) + sealed(10))
    assert wrong.damage is not None and wrong.damage.line == 3


def test_paging_after_a_seq_checks_from_there_only(tmp_path: Path) -> None:
    """A reader paging through a long journal does not pay for checking what it skips."""
    lines = [sealed(n) for n in range(1, 41)]
    lines[3] = b"garbage\n"
    data = b"".join(lines)
    page = scan(data, after_seq=30, limit=5, thorough=False)
    assert [e.seq for e in page.events] == [31, 32, 33, 34, 35] and page.damage is None
    whole = scan(data, after_seq=30)
    assert whole.events == [] and whole.damage is not None and whole.damage.line == 4


def test_a_damaged_checksum_name_is_damage_not_an_old_unsealed_line() -> None:
    """Lines written before checksums existed have none, so a line without `"crc"` is read as
    one of those; a flipped byte in the name `crc` itself (found by the property test above)
    must still be damage: a member no journal line ever had."""
    events = [Event(s, "task_completed", EXECUTION, "a", 1.7e9 + s, {"x": s}) for s in (1, 2)]
    lines = lines_of(events)
    name = lines[0].rindex(b'"crc"') + 1
    for at in range(name, name + 3):
        for mask in (1, 2, 0x20):
            damaged = lines[0][:at] + bytes([lines[0][at] ^ mask]) + lines[0][at + 1 :]
            result = scan(damaged + lines[1], execution_id=EXECUTION)
            assert result.damage is not None, damaged
            assert result.damage.offset == 0
            assert "unknown member" in result.damage.reason
