"""The catalog's tables in memory: the id index carried from one update to the next gives the
same tables as a pass over each table would, and shares nothing a reader holds."""

from __future__ import annotations

import random

from harmonia.store.catalogtables import Data, Tables


def test_the_index_carried_between_updates_agrees_with_the_rows() -> None:
    rng = random.Random(7)
    data: Data = {}
    index = None
    plain: Data = {}
    for step in range(300):
        with_index, without = Tables(data, index), Tables(plain)
        ids = [f"x{rng.randrange(40)}" for _ in range(rng.randrange(1, 4))]
        rows = [{"id": i, "status": str(step)} for i in ids]
        for tables in (with_index, without):
            if step % 7 == 3:
                tables.remove("executions", lambda row, gone=set(ids): row["id"] in gone)
            elif step % 50 == 49:
                tables.replace_table("executions", rows)
            else:
                tables.upsert_many("executions", rows)
        data, index, plain = with_index.data, with_index.index, without.data
        assert sorted(data.get("executions", {}).values(), key=str) == sorted(
            plain.get("executions", {}).values(), key=str
        )
        ids_now = {row["id"]: doc for doc, row in data.get("executions", {}).items()}
        assert index["executions"][0] == ids_now
        assert all(int(doc) < index["executions"][1] for doc in ids_now.values())
        for row_id, doc_id in ids_now.items():
            assert Tables(data, index).get("executions", row_id) is data["executions"][doc_id]


def test_a_change_copies_the_index_it_was_given() -> None:
    first = Tables({})
    first.upsert("executions", {"id": "a", "status": "pending"})
    index = first.index
    shared = dict(index["executions"][0])
    second = Tables(first.data, index)
    second.upsert("executions", {"id": "b", "status": "pending"})
    assert index["executions"][0] == shared  # what the first holder sees did not change
    assert Tables(first.data, index).get("executions", "b") is None
    assert second.get("executions", "b") == {"id": "b", "status": "pending"}
