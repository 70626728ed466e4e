"""rag/text/places.py and language.py: short names, pinyin, street mentions, the English detector."""

from __future__ import annotations

from rag.text import places
from rag.text.language import is_english
from rag.text.places import TOWNSHIP_MENTION, pinyin_name, short_name


def test_short_name_and_pinyin() -> None:
    assert short_name("西林街道") == "西林" and short_name("梅林镇") == "梅林" and short_name("东镇") == "东镇"
    assert pinyin_name("西林街道") == "Xilin"


def test_street_mention() -> None:
    assert [m.group() for m in TOWNSHIP_MENTION.finditer("青龙街道，梅林镇的数据")] == ["青龙街道", "梅林镇"]


def test_is_english() -> None:
    assert is_english("What was Xilin subdistrict's GDP (西林街道)?")
    assert not is_english("西林街道GDP是多少？")
    assert not is_english("2023")


def test_an_ordinary_word_is_no_short_name() -> None:
    # "高标准农田建设" must not name 建设街道; a place-like stem keeps its short form.
    assert places.aliases("建设街道") == ["建设街道"]
    assert "西林" in places.aliases("西林街道") and "嘉兴" in places.aliases("嘉兴市")
