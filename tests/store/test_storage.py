"""Files made durable together: `AtomicWrites` and `sync_together` (harmonia.store.storage)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from helpers.diskfull import injected_disk

from harmonia.store.storage import AtomicWrites, run_together, sync_together


def temp_files(folder: Path) -> list[str]:
    return [p.name for p in folder.rglob("*.tmp")]


def test_a_group_replaces_every_file_only_on_commit_and_then_calls_back(tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "state.json", tmp_path / "b" / "state.json"
    first.parent.mkdir()
    first.write_bytes(b"old")
    called: list[tuple[bytes, bytes]] = []
    group = AtomicWrites()
    group.add(first, b"new a")
    group.add(second, [b"new ", memoryview(b"xbx")[1:2]], folders=[tmp_path], then=lambda: (
        called.append((first.read_bytes(), second.read_bytes()))
    ))  # fmt: skip
    assert first in group and len(group) == 2
    assert first.read_bytes() == b"old" and not second.exists()  # nothing before the commit
    group.commit()
    assert (first.read_bytes(), second.read_bytes()) == (b"new a", b"new b")
    assert called == [(b"new a", b"new b")]
    assert len(group) == 0 and first not in group
    assert temp_files(tmp_path) == []


def test_a_refused_copy_replaces_no_file_of_the_group_and_leaves_no_temp_file(
    tmp_path: Path,
) -> None:
    kept, refused = tmp_path / "kept.json", tmp_path / "refused.json"
    kept.write_bytes(b"old kept")
    refused.write_bytes(b"old refused")
    group = AtomicWrites()
    group.add(kept, b"new kept")
    group.add(refused, b"new refused")
    with injected_disk(tmp_path) as disk:
        disk.fill(only="refused.json")
        with pytest.raises(OSError, match="No space left") as raised:
            group.commit()
    assert raised.value.filename == str(refused)
    assert (kept.read_bytes(), refused.read_bytes()) == (b"old kept", b"old refused")
    assert temp_files(tmp_path) == []


def test_sync_together_waits_for_every_file_and_names_the_one_that_failed(
    tmp_path: Path,
) -> None:
    good = tmp_path / "good"
    fd = os.open(good, os.O_WRONLY | os.O_CREAT)
    read_end, write_end = os.pipe()  # a pipe cannot be fsynced: EINVAL
    try:
        sync_together([(fd, good)], [tmp_path, tmp_path])
        with pytest.raises(OSError) as raised:
            sync_together([(fd, good), (write_end, tmp_path / "pipe")], data_only=True)
        assert raised.value.errno == errno.EINVAL
        assert raised.value.filename == str(tmp_path / "pipe")
    finally:
        for each in (fd, read_end, write_end):
            os.close(each)


def test_run_together_answers_each_job_with_its_result_or_its_error() -> None:
    def fails() -> int:
        raise ValueError("no")

    outcomes = run_together([lambda: 1, fails, lambda: 3])
    assert [result for result, _ in outcomes] == [1, None, 3]
    assert [type(error) for _, error in outcomes] == [type(None), ValueError, type(None)]
    assert run_together([fails])[0][0] is None  # one job alone runs here, the same way


def test_placed_runs_after_the_rename_and_before_the_folder_fsync_which_skips_opted_out_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import harmonia.store.storage as storage

    synced: list[Path] = []
    real = storage.fsync_directory
    monkeypatch.setattr(
        storage, "fsync_directory", lambda folder: (synced.append(folder), real(folder))
    )
    made, replaced = tmp_path / "made" / "state.json", tmp_path / "kept" / "state.json"
    replaced.parent.mkdir()
    replaced.write_bytes(b"old")
    seen: list[tuple[bool, list[Path]]] = []
    group = AtomicWrites()
    group.add(made, b"new", placed=lambda: seen.append((made.exists(), list(synced))))
    group.add(replaced, b"newer", sync=False)  # a cache: a journal holds its content
    group.commit()
    assert seen == [(True, [])]  # renamed, and no folder fsynced yet
    assert synced == [made.parent]  # not `replaced`'s folder
    assert replaced.read_bytes() == b"newer"
    assert temp_files(tmp_path) == []


def test_a_file_added_without_sync_is_replaced_with_no_fsync_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`latest.json`'s write: content, rename and folder all left to the page cache."""
    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real(fd))[1])
    path = tmp_path / "latest.json"
    path.write_bytes(b"old")
    group = AtomicWrites()
    group.add(path, [b"ne", b"w"], sync=False)
    group.commit()
    assert (path.read_bytes(), synced) == (b"new", [])
    assert temp_files(tmp_path) == []


def test_renames_run_at_once_and_a_refused_one_leaves_no_copy_and_calls_nothing_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = [tmp_path / name / "state.json" for name in ("a", "b", "c")]
    called: list[Path] = []
    group = AtomicWrites()
    for path in files:
        group.add(path, b"new", then=lambda path=path: called.append(path))
    real = os.replace

    def replace(src: str, dst: Path) -> None:
        if dst == files[1]:
            raise OSError(errno.EIO, "I/O error")
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError, match="I/O error") as raised:
        group.commit()
    assert raised.value.filename == str(files[1])
    assert [path.exists() for path in files] == [True, False, True]  # each alone
    assert called == []  # the commit failed: nobody is told a file is in place
    assert temp_files(tmp_path) == []
