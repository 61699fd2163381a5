"""The devnet's verdict (node.devnet_report) on recorded runs: what passes, and what names a task, a node, a reason.

The records are in the form ``Devnet.records`` reads them from the chain. ``RECORDED_RUN`` and
``RECORDED_FAILED_RUN`` are real runs of ``nashnet devnet up``, copied from their ``--json``
output. ``ISSUE_13_RUN`` is a test double, not a recording: the failed run
of issue 13 rebuilt from what was seen there (anvil's dev addresses stand in for the nodes'):
react and rewoo refunded, the lowest-address node silent on all six tasks and slashed on each,
20 % of its stake at a time (2,000 → 524.288 tokens: the 1,475 it lost). No chain is started
here; the code that reads records from a real chain runs in the end-to-end test
(tests/node/test_e2e.py), which calls ``Devnet.report``.
"""

from __future__ import annotations

from typing import Any

import pytest

from node.devnet_report import REASONS, Problem, Reveal, TaskRecord, judge, same_answer, slashed_by_node

TOKEN = 10**18
SILENT = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955"  # the lowest address: both language-model samples
NODE2 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
NODE3 = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
A = "0x" + "a1" * 32
B = "0x" + "b2" * 32


#: `nashnet devnet up --nodes 3 --samples 1 --kinds mcts,neuro-symbolic --commit-window 30 --json`:
#: the report's "outcomes", as that run printed them (both settled, every node revealed).
RECORDED_RUN: list[dict[str, Any]] = [
    {
        "id": 1,
        "kind": "mcts",
        "status": "settled",
        "assigned": [
            "0x8e2Ef0a11eeb7dbf9F59c3Ff5a4110527824b5D8",
            "0x938015f4b62A105780FA5734902DA9Bff3d2fd21",
            "0xa21381e8a5A12ec9358cf27150773aDFf4b7d385",
        ],
        "reveals": [
            {
                "node": "0x8e2Ef0a11eeb7dbf9F59c3Ff5a4110527824b5D8",
                "result_hash": "0xfc35ba1be656817eca7bcf35d975c1274dbe13d9b0d289526f7dfca9fff4595e",
                "ok": True,
                "answer": "(1 + (1 + 1)) * 8",
            },
            {
                "node": "0xa21381e8a5A12ec9358cf27150773aDFf4b7d385",
                "result_hash": "0xfc35ba1be656817eca7bcf35d975c1274dbe13d9b0d289526f7dfca9fff4595e",
                "ok": True,
                "answer": "(1 + (1 + 1)) * 8",
            },
            {
                "node": "0x938015f4b62A105780FA5734902DA9Bff3d2fd21",
                "result_hash": "0xfc35ba1be656817eca7bcf35d975c1274dbe13d9b0d289526f7dfca9fff4595e",
                "ok": True,
                "answer": "(1 + (1 + 1)) * 8",
            },
        ],
        "winner": "0xfc35ba1be656817eca7bcf35d975c1274dbe13d9b0d289526f7dfca9fff4595e",
        "refund": 1,
        "slashed": {},
        "expected": None,
    },
    {
        "id": 2,
        "kind": "neuro-symbolic",
        "status": "settled",
        "assigned": [
            "0x8e2Ef0a11eeb7dbf9F59c3Ff5a4110527824b5D8",
            "0x938015f4b62A105780FA5734902DA9Bff3d2fd21",
            "0xa21381e8a5A12ec9358cf27150773aDFf4b7d385",
        ],
        "reveals": [
            {
                "node": "0x8e2Ef0a11eeb7dbf9F59c3Ff5a4110527824b5D8",
                "result_hash": "0x8321b18e5092cf8c46b016178bc806c0788d822f2aa367887fe3c2336a6d2580",
                "ok": True,
                "answer": "http://nashnet.example/family#ada, http://nashnet.example/family#ben, "
                "http://nashnet.example/family#cy, http://nashnet.example/family#dee",
            },
            {
                "node": "0xa21381e8a5A12ec9358cf27150773aDFf4b7d385",
                "result_hash": "0x8321b18e5092cf8c46b016178bc806c0788d822f2aa367887fe3c2336a6d2580",
                "ok": True,
                "answer": "http://nashnet.example/family#ada, http://nashnet.example/family#ben, "
                "http://nashnet.example/family#cy, http://nashnet.example/family#dee",
            },
            {
                "node": "0x938015f4b62A105780FA5734902DA9Bff3d2fd21",
                "result_hash": "0x8321b18e5092cf8c46b016178bc806c0788d822f2aa367887fe3c2336a6d2580",
                "ok": True,
                "answer": "http://nashnet.example/family#ada, http://nashnet.example/family#ben, "
                "http://nashnet.example/family#cy, http://nashnet.example/family#dee",
            },
        ],
        "winner": "0x8321b18e5092cf8c46b016178bc806c0788d822f2aa367887fe3c2336a6d2580",
        "refund": 1,
        "slashed": {},
        "expected": None,
    },
]


#: `nashnet devnet up --nodes 3 --samples 1 --kinds mcts,react --commit-window 20 --json`: a real run
#: that failed. The react sample took 31 s on a busy machine; its node committed the round without
#: it at the 20 s window's margin, was slashed for it, and the task was refunded.
RECORDED_FAILED_RUN: list[dict[str, Any]] = [
    {
        "id": 1,
        "kind": "mcts",
        "status": "settled",
        "assigned": [
            "0x97ebFa2d27f6aBA93B980acc33bACd1417c77d11",
            "0xBA4da1970F292ec8cB6BF2995D752C809AfBe201",
            "0xF5A8aD34724D65a20c7660Bdbd50bA39fDF7b2dC",
        ],
        "reveals": [
            {
                "node": "0x97ebFa2d27f6aBA93B980acc33bACd1417c77d11",
                "result_hash": "0xfc35ba1be656817eca7bcf35d975c1274dbe13d9b0d289526f7dfca9fff4595e",
                "ok": True,
                "answer": "(1 + (1 + 1)) * 8",
            },
            {
                "node": "0xBA4da1970F292ec8cB6BF2995D752C809AfBe201",
                "result_hash": "0xfc35ba1be656817eca7bcf35d975c1274dbe13d9b0d289526f7dfca9fff4595e",
                "ok": True,
                "answer": "(1 + (1 + 1)) * 8",
            },
            {
                "node": "0xF5A8aD34724D65a20c7660Bdbd50bA39fDF7b2dC",
                "result_hash": "0xfc35ba1be656817eca7bcf35d975c1274dbe13d9b0d289526f7dfca9fff4595e",
                "ok": True,
                "answer": "(1 + (1 + 1)) * 8",
            },
        ],
        "winner": "0xfc35ba1be656817eca7bcf35d975c1274dbe13d9b0d289526f7dfca9fff4595e",
        "refund": 1,
        "slashed": {},
        "expected": None,
    },
    {
        "id": 2,
        "kind": "react",
        "status": "refunded",
        "assigned": ["0x97ebFa2d27f6aBA93B980acc33bACd1417c77d11"],
        "reveals": [],
        "winner": None,
        "refund": 1500000000000000000,
        "slashed": {"0x97ebFa2d27f6aBA93B980acc33bACd1417c77d11": 400000000000000000000},
        "expected": "12507",
    },
]


def _reveal(node: str, result: str, answer: str | None, ok: bool = True) -> dict[str, Any]:
    return {"node": node, "result_hash": result, "ok": ok, "answer": answer}


#: The six samples of the run in issue 13, in the form Devnet.records produces.
ISSUE_13_RUN: list[dict[str, Any]] = [
    {
        "id": 1,
        "kind": "react",
        "status": "refunded",
        "assigned": [SILENT],
        "reveals": [],
        "winner": None,
        "refund": 3 * TOKEN // 2,
        "slashed": {SILENT: 400 * TOKEN},
        "expected": "12507",
    },
    {
        "id": 2,
        "kind": "rewoo",
        "status": "refunded",
        "assigned": [SILENT],
        "reveals": [],
        "winner": None,
        "refund": 3 * TOKEN // 2,
        "slashed": {SILENT: 320 * TOKEN},
        "expected": "12507",
    },
    *(
        {
            "id": i,
            "kind": kind,
            "status": "settled",
            "assigned": [SILENT, NODE2, NODE3],
            "reveals": [_reveal(NODE2, A, answer), _reveal(NODE3, A, answer)],
            "winner": A,
            "refund": 0,
            "slashed": {SILENT: lost},
            "expected": None,
        }
        for i, kind, answer, lost in [
            (3, "mcts", "(8-4)*(7-1)", 256 * TOKEN),
            (4, "neuro-symbolic", '["ada","ben"]', 2048 * TOKEN // 10),
            (5, "training", "loss 2.91", 16384 * TOKEN // 100),
            (6, "spiking", "hi", 131072 * TOKEN // 1000),
        ]
    ),
]


def _records(data: list[dict[str, Any]]) -> list[TaskRecord]:
    return [TaskRecord.from_dict(d) for d in data]


def test_the_run_of_issue_13_fails_and_says_why() -> None:
    problems = judge(_records(ISSUE_13_RUN))
    assert [(p.task, p.reason, p.node) for p in problems] == [
        (1, "refunded", None),
        (1, "silent", SILENT),
        (2, "refunded", None),
        (2, "silent", SILENT),
        (3, "silent", SILENT),
        (4, "silent", SILENT),
        (5, "silent", SILENT),
        (6, "silent", SILENT),
    ]
    assert sum(p.slashed for p in problems) == 1475712 * TOKEN // 1000  # what the node lost in that round
    lines = [p.line({SILENT: "node1"}) for p in problems]
    assert lines[0] == (
        "task 1 (react): refunded: no majority of the assigned nodes revealed the same result; "
        "the reward went back; 1.5 tokens returned to the requester"
    )
    assert lines[1] == (
        f"task 1 (react): silent — node1 {SILENT}: assigned the task, revealed nothing; slashed 400 tokens"
    )
    assert slashed_by_node(_records(ISSUE_13_RUN)) == {SILENT: 1475712 * TOKEN // 1000}


def test_the_recorded_run_passes() -> None:
    records = _records(RECORDED_RUN)
    assert judge(records) == []
    assert [r.answer for r in records][0] == "(1 + (1 + 1)) * 8"
    assert all(len(r.reveals) == len(r.assigned) == 3 for r in records)


def test_the_recorded_failed_run_names_the_task_the_node_and_the_reason() -> None:
    problems = judge(_records(RECORDED_FAILED_RUN))
    node1 = "0x97ebFa2d27f6aBA93B980acc33bACd1417c77d11"
    assert [(p.task, p.kind, p.reason, p.node, p.slashed) for p in problems] == [
        (2, "react", "refunded", None, 0),
        (2, "react", "silent", node1, 400 * TOKEN),
    ]
    assert problems[1].line({node1: "node1"}) == (
        f"task 2 (react): silent — node1 {node1}: assigned the task, revealed nothing; slashed 400 tokens"
    )
    assert _records(RECORDED_FAILED_RUN)[1].to_dict()["answer_ok"] is False  # expected 12507, got nothing


def test_the_recorded_run_with_a_silent_node_fails() -> None:
    """The same run had its lowest-address node revealed nothing and been slashed for it."""
    silent = min(RECORDED_RUN[0]["assigned"], key=lambda a: int(a, 16))
    data = [
        {**t, "reveals": [r for r in t["reveals"] if r["node"] != silent], "slashed": {silent: 400 * TOKEN}}
        for t in RECORDED_RUN
    ]
    problems = judge(_records(data))
    assert [(p.task, p.reason, p.node, p.slashed) for p in problems] == [
        (1, "silent", silent, 400 * TOKEN),
        (2, "silent", silent, 400 * TOKEN),
    ]


def test_a_clean_run_passes() -> None:
    clean = [
        {
            "id": 1,
            "kind": "react",
            "status": "settled",
            "assigned": [NODE2],
            "reveals": [_reveal(NODE2, A, "12507")],
            "winner": A,
            "expected": "12507",
        },
        {
            "id": 2,
            "kind": "mcts",
            "status": "settled",
            "assigned": [SILENT, NODE2, NODE3],
            "reveals": [_reveal(n, B, "(8-4)*(7-1)") for n in (SILENT, NODE2, NODE3)],
            "winner": B,
        },
    ]
    assert judge(_records(clean)) == []
    assert slashed_by_node(_records(clean)) == {}


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        # Settled, but on another answer than the data set's.
        (
            {
                "status": "settled",
                "assigned": [NODE2],
                "reveals": [_reveal(NODE2, A, "12506")],
                "winner": A,
                "expected": "12507",
            },
            [("wrong-answer", None, "got '12506', expected '12507'")],
        ),
        # Settled on a run that failed on every node (a timeout, say): no answer.
        (
            {"status": "settled", "assigned": [NODE2], "reveals": [_reveal(NODE2, A, None, ok=False)], "winner": A},
            [("failed", None, "")],
        ),
        # Two agree, one revealed something else: the minority is named and what it lost said.
        (
            {
                "status": "settled",
                "assigned": [SILENT, NODE2, NODE3],
                "winner": A,
                "reveals": [_reveal(SILENT, B, "25"), _reveal(NODE2, A, "24"), _reveal(NODE3, A, "24")],
                "slashed": {SILENT: 5 * TOKEN},
            },
            [("minority", SILENT, f"its result {B[:18]}…, the majority's {A[:18]}…; slashed 5 tokens")],
        ),
        # Never allocated before its deadline.
        ({"status": "expired", "refund": TOKEN}, [("expired", None, "")]),
        # Taken back by its requester (v2) before any round allocated it.
        ({"status": "cancelled", "refund": TOKEN}, [("cancelled", None, "")]),
        # Still running when the run stopped waiting: nobody is blamed yet.
        ({"status": "allocated", "assigned": [NODE2]}, [("unsettled", None, "status allocated")]),
        # A tie: nobody silent, so nobody slashed, but the task is refunded.
        (
            {
                "status": "refunded",
                "assigned": [NODE2, NODE3],
                "reveals": [_reveal(NODE2, A, "1"), _reveal(NODE3, B, "2")],
            },
            [("refunded", None, "")],
        ),
        # A slash the record explains otherwise (e.g. the node list changed): still reported.
        (
            {
                "status": "settled",
                "assigned": [NODE2],
                "reveals": [_reveal(NODE2, A, "x")],
                "winner": A,
                "slashed": {NODE3: TOKEN},
            },
            [("slashed", NODE3, "slashed 1 tokens")],
        ),
    ],
)
def test_each_reason(record: dict[str, Any], expected: list[tuple[str, str | None, str]]) -> None:
    problems = judge([TaskRecord.from_dict({"id": 7, "kind": "react", **record})])
    assert [(p.reason, p.node, p.detail) for p in problems] == expected
    assert all(p.reason in REASONS for p in problems)


def test_answers_compare_by_value() -> None:
    assert same_answer("12507", "12507")
    assert same_answer("12,507", "12507")
    assert same_answer("12507.0", "12507")
    assert not same_answer("12506", "12507")
    assert not same_answer(None, "12507")
    assert same_answer("Paris", "paris")


def test_records_round_trip_through_json() -> None:
    """The report's ``outcomes`` are records as JSON; reading them back gives the same verdict."""
    import json

    records = _records(ISSUE_13_RUN)
    again = [TaskRecord.from_dict(json.loads(json.dumps(r.to_dict()))) for r in records]
    assert again == records
    assert judge(again) == judge(records)
    assert records[2].to_dict()["answer"] == "(8-4)*(7-1)"
    assert records[0].to_dict()["answer_ok"] is False
    assert isinstance(judge(records)[0], Problem)


def test_issue_13_reveals_are_records() -> None:
    assert _records(ISSUE_13_RUN)[2].reveals[0] == Reveal(NODE2, A, True, "(8-4)*(7-1)")


def test_the_language_model_samples_expect_12507() -> None:
    """`devnet up` checks the react and rewoo samples against the data set's exact answer."""
    from node.devnet import expected_answer
    from node.samples import samples

    items = samples(2, kinds=("react", "rewoo", "mcts"))
    assert items[0].text == '{"question":"What is 431 times 29, plus 8?","tools":["calculator"]}'
    assert [expected_answer(s) for s in items] == ["12507", "29.7", "12507", "29.7", None, None]
