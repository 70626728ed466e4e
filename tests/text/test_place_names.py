"""rag/text/places.py and language.py: short names, pinyin, township mentions, scope words, the English detector."""

from __future__ import annotations

import pytest

from rag.text import places
from rag.text.language import is_english
from rag.text.places import TOWNSHIP_MENTION, Place, pinyin_name, short_name, together


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


@pytest.mark.parametrize(
    ("place", "scope", "english", "together_word"),
    [
        (Place("西林街道", "街道", ("常州市", "钟楼区")), "全街道", "subdistrict", "各街道"),
        (Place("嘉兴市", "市", ("浙江省",)), "全市", "city", "各市"),
        (Place("江苏省", "省"), "全省", "province", "各省"),
    ],
    ids=["街道", "市", "省"],
)
def test_scope_words_follow_the_level(place: Place, scope: str, english: str, together_word: str) -> None:
    """A 街道's own area is 全街道, a 市's 全市, a 省's 全省 (and "the province" in English): labels come from the
    place's level, never from an assumed district."""
    assert (place.scope, place.english, together([place.level, place.level])) == (scope, english, together_word)


def test_places_of_mixed_or_unknown_levels() -> None:
    assert together(["街道", "市"]) == "各地" and together([None]) == "各地"
    assert Place(level="街道").scope == "全街道" and Place("某地").scope is None and Place("某地").english is None
    assert Place("西林街道", "街道", ("常州市", "钟楼区")).full_name == "常州市钟楼区西林街道"
    assert Place("嘉兴市", "市", ("浙江省",)).full_name == "嘉兴市" and Place("江苏省", "省").full_name == "江苏省"
    assert Place("嘉兴市", "市").aliases == ["嘉兴市", "嘉兴"]
