"""The instruments of issue 18: the quote-the-best-sentence baseline (bench.quote_baseline) and the corpus-large
harness's reading of a question set (bench.large_eval)."""

from __future__ import annotations

import pytest

from bench.large_eval import cited_reports
from bench.quote_baseline import overlap, quote, sentences

# Real report text: 日喀则市 2023 (西藏) and 阳江市 2021 (广东), ../shared/corpus-large.
SHIGATSE = (
    "全年实现地区生产总值361.92亿元，同比增长1%，位居全区第三；实现一般公共预算收入13.14亿元；"
    "社会消费品零售总额135.15亿元；城镇居民人均可支配收入47482元，增长4.8%，位居全区第三；"
    "农村居民人均可支配收入16396元，增长7.7%，位居全区第一。"
)
YANGJIANG = (
    "全市地区生产总值增长4.4%，居全省第2位；规上工业增加值增长17%，连续8个季度居全省第1位；"
    "进出口总额191.7亿元、创历史新高，增长26.3%、创近10年新高。"
)


def test_sentences_split_every_passage_once():
    pieces = sentences([SHIGATSE, YANGJIANG, SHIGATSE])
    assert len(pieces) == 8
    assert pieces[0] == "全年实现地区生产总值361.92亿元，同比增长1%，位居全区第三；"


def test_overlap_is_the_share_of_question_bigrams_held():
    assert overlap("进出口总额", "进出口总额191.7亿元") == 1.0
    assert overlap("进出口总额", "地区生产总值") == 0.0
    assert 0 < overlap("农村居民收入", "农村居民人均可支配收入16396元") < 1


def test_quote_finds_the_sentence_that_answers_in_either_language(embeddings):
    passages = [SHIGATSE, YANGJIANG]
    zh = quote("日喀则农村居民人均可支配收入是多少？", ["16396元"], passages, embeddings)
    assert zh.correct1 and "16396元" in zh.top1
    en = quote("What was the total value of imports and exports?", ["191.7亿元"], passages, embeddings)
    assert en.correct3 and len(en.top3) == 3
    wrong = quote("日喀则农村居民人均可支配收入是多少？", ["99999元"], passages, embeddings)
    assert not wrong.correct1 and not wrong.correct3


def test_a_set_names_its_corpus_large_reports_and_nothing_else():
    rows = [
        {"doc": "corpus-large/135_阳江市_2021.txt", "docs": ["corpus-large/059_日喀则市_2023.txt"]},
        {"doc": "corpus-large/135_阳江市_2021.txt"},
        {"doc": ""},
    ]
    assert cited_reports(rows) == ["059_日喀则市_2023.txt", "135_阳江市_2021.txt"]
    with pytest.raises(ValueError, match=r"corpus/05_xianning_2021\.txt"):
        cited_reports([{"doc": "corpus/05_xianning_2021.txt"}])


def test_kinds_worse_than_quoting_are_named():
    from bench.corpus_eval import Outcome, by_type
    from bench.quote_baseline import Quote, with_quotes, worse_kinds, worse_than_quoting

    def outcome(kind: str, correct: bool) -> Outcome:
        return Outcome(kind, False, 1, True, True, correct, False)

    right, wrong = Quote("a", ["a"], True, True), Quote("b", ["b"], False, False)
    outcomes = [outcome("plan", False), outcome("plan", True), outcome("fact", True), outcome("fact", False)]
    table = with_quotes(by_type(outcomes), outcomes, [right, right, wrong, wrong])
    assert list(table["plan"])[:5] == ["n", "hit@5", "mrr@10", "accuracy", "quote@1"]
    assert table["plan"]["quote@1"] == 1.0 and table["fact"]["quote@1"] == 0.0
    assert worse_kinds(table) == ["plan"]
    assert "plan (0.5 < 1.0)" in worse_than_quoting(table)
    table["plan"]["accuracy"] = 1.0
    assert worse_than_quoting(table).startswith("never worse")
