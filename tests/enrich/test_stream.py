from __future__ import annotations

import io
from pathlib import Path

import orjson

from tocsin.enrich.analysis import AnalysisEnricher
from tocsin.enrich.stream import enrich_stream, parse_line


def test_parse_line() -> None:
    assert parse_line(b'{"text": "hi", "id": 3}\n') == {"text": "hi", "id": 3}
    assert parse_line("plain text, {not json}\r\n") == {"text": "plain text, {not json}"}
    assert parse_line(b"{broken json") == {"text": "{broken json"}
    assert parse_line(b'{"id": 3}') == {"id": 3, "error": "no string 'text' field"}


def test_jsonl_and_plain_text_in_out(analysis: AnalysisEnricher) -> None:
    src = io.BytesIO(
        "\n".join(
            [
                '{"id": 1, "text": "Je déteste ce service, remboursez-moi !", "lang": "fr"}',
                "I love this, best coffee ever! 😍",
                "",
                '{"id": 2, "note": "no text"}',
                '{"id": 3, "text": "The store opens at 9am tomorrow."}',
            ]
        ).encode()
    )
    dst = io.BytesIO()
    n = enrich_stream(src, dst, progress=False, batch_size=2, analysis=analysis)
    out = [orjson.loads(line) for line in dst.getvalue().splitlines()]
    assert n == 4 == len(out)
    assert out[0]["id"] == 1 and out[0]["lang"] == "fr"
    assert [o.get("sentiment", {}).get("label") for o in out] == [
        "negative",
        "positive",
        None,
        "neutral",
    ]
    assert out[1]["lang"] == "en" and out[3]["lang"] == "en"
    assert out[2] == {"id": 2, "note": "no text", "error": "no string 'text' field"}
    assert all(0 < o["sentiment"]["score"] <= 1 for o in out if "sentiment" in o)
    for o in (out[0], out[1], out[3]):
        assert list(o["emotions"]) == ["anger", "fear", "sadness", "joy"]
        assert all(0 <= s <= 1 for s in o["emotions"].values())
        assert 0 <= o["toxicity"] <= 1 and 0 <= o["complaint"] <= 1
    assert out[0]["complaint"] > out[3]["complaint"]  # "remboursez-moi" vs opening hours
    assert out[1]["emotions"]["joy"] > out[0]["emotions"]["joy"]


def test_off_mode_adds_the_language_only() -> None:
    src = io.BytesIO(b'{"id": 1, "text": "Je deteste ce service"}\nI love it')
    dst = io.BytesIO()
    assert enrich_stream(src, dst, mode="off", progress=False) == 2
    out = [orjson.loads(line) for line in dst.getvalue().splitlines()]
    assert [sorted(o) for o in out] == [["id", "lang", "text"], ["lang", "text"]]


def test_worker_processes_give_the_same_output(analysis: AnalysisEnricher) -> None:
    lines = [
        b'{"id": 1, "text": "Service client nul, remboursez-moi"}',
        b"I love this, best coffee ever!",
        b'{"id": 2}',
    ] * 3
    here, there = io.BytesIO(), io.BytesIO()
    enrich_stream(io.BytesIO(b"\n".join(lines)), here, progress=False, analysis=analysis)
    enrich_stream(
        io.BytesIO(b"\n".join(lines)), there, progress=False, batch_size=2, workers=1, mode="full"
    )
    # same records, same labels; scores within rounding (the encoder's last bits depend on which
    # texts share its batch, and scores are rounded to 4 decimals)
    a = [orjson.loads(line) for line in here.getvalue().splitlines()]
    b = [orjson.loads(line) for line in there.getvalue().splitlines()]
    assert len(a) == len(b) == 9
    for x, y in zip(a, b, strict=True):
        assert close(x, y)


def close(x: object, y: object) -> bool:
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(close(x[k], y[k]) for k in x)
    if isinstance(x, float) and isinstance(y, float):
        return abs(x - y) <= 3e-4
    return x == y


def test_the_enrich_command(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from tocsin.cli import cli

    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 7, "text": "t\'es vraiment un gros débile"}\nBonjour\n', "utf-8")
    out = tmp_path / "out.jsonl"
    runner = CliRunner()
    done = runner.invoke(cli, ["enrich", str(src), "-o", str(out), "--mode", "fast"])
    assert done.exit_code == 0, done.output
    rows = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert rows[0]["id"] == 7 and set(rows[0]) >= {"emotions", "toxicity", "complaint"}
    assert rows[0]["toxicity"] > rows[1]["toxicity"]
    done = runner.invoke(cli, ["enrich", str(src), "--mode", "off", "--workers", "0"])
    assert done.exit_code == 0 and '"lang"' in done.output and "toxicity" not in done.output
    bad = runner.invoke(cli, ["enrich", str(src), "--fast", "--mode", "full"])
    assert bad.exit_code != 0 and "contradicts" in bad.output
