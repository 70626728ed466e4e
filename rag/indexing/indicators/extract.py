"""Every numeric fact of a text: sentences are walked clause by clause (a value clause opens a fact that the
following modifier clauses attach to), table rows are read by their columns (rag.indexing.indicators.rows)."""

from __future__ import annotations

import re

from rag.indexing.indicators.metrics import clean_metric, is_known_metric, looks_like_metric, strip_lead_fillers
from rag.indexing.indicators.model import Indicator, IndicatorDraft
from rag.indexing.indicators.rows import row_indicator
from rag.indexing.indicators.tokens import Token, clauses, scan_clause
from rag.ingest.tables import row_spans
from rag.text.sentences import sentence_spans
from rag.text.vocab import (
    alternation,
    markers,
)

# A forecast ("1-6月,预计完成…;规模工业总产值8.6亿元…"): it holds for the rest of the sentence until a clause
# states an achievement again ("…;完成规模工业产值47.64亿元").
_ESTIMATE_RE = re.compile(alternation(markers("forecast")))
_ACTUAL_VERB_RE = re.compile(r"^(?:已经?|累计)?(?:完成|实现)")
_ACTUAL_VERB_END_RE = re.compile(r"(?:完成|实现)了?$")
# A value stated as an aim, not an achievement ("年底力争完成…4.2亿元", "年内争创…示范企业1家").
_TARGET_RE = re.compile(rf"^(?:{alternation(markers('aim') + markers('aim_lead'))})")
# A clause that announces a list of targets ("主要预期目标是", "主要目标任务为"); "目标完成情况" reports results.
_TARGET_LIST_RE = re.compile(rf"(?:{alternation(markers('target'))})(?:任务)?(?:安排)?(?:是|为|如下)?$")


# The exact figure after a round one in the same clause ("社会消费品零售总额突破1000亿元、达到1035亿元"): the same
# metric restated, as a following clause restates it ("突破4000亿元，实现4028.51亿元").
_RESTATED_RE = re.compile(r"^[、，,]?\s*(?:实现|达到|达|增至|为)$")


# "到2025年，…" / "力争到2025年，…": a period so introduced heads the clause, and what follows is for that period.
_PERIOD_LEAD_RE = re.compile(r"^(?:力争|争取)?(?:到|至)$")


def extract_indicators(text: str, default_period: str | None = None) -> list[Indicator]:
    """Every numeric fact in text, in text order; offsets point into text.

    Table rows (rendered by rag.ingest.tables) are read by their columns, never as prose."""
    rows = row_spans(text)
    out: list[Indicator] = []
    # Sentences end at 。！？ or a newline, or an ASCII "." that is not a decimal point ("99.4%." / "1.经济...");
    # semicolons are left to the clause walker (they close a fact, not a sentence).
    list_ends = -1  # end of a paragraph that opened a list of targets ("主要预期目标是：…")
    for s_start, s_end in sentence_spans(text, ends="。！？!?", keep_marks=False, ascii_period=True):
        if not any(start < s_end and s_start < end for start, end in rows):
            found, opened = _extract_sentence(text, s_start, s_end, default_period, target=s_start < list_ends)
            out.extend(found)
            if opened:
                list_ends = _paragraph_end(text, s_start)
    for start, end in rows:
        if (ind := row_indicator(text, start, end, default_period)) is not None:
            out.append(ind)
    return sorted(out, key=lambda ind: ind.start)


def _is_target(segment: str) -> bool:
    _, rest = strip_lead_fillers(segment)
    return bool(_TARGET_RE.match(rest))


def _is_estimate(segment: str, estimate_mode: bool) -> bool:
    """Does the fact after this segment state a forecast? ("预计完成…" yes; "完成…" ends a run of forecasts)."""
    if _ESTIMATE_RE.search(segment):
        return True
    _, rest = strip_lead_fillers(segment)
    # "…预计增长6%左右；一般公共预算收入完成224.7亿元": an achievement verb before the figure ends the run too
    return estimate_mode and not _ACTUAL_VERB_RE.match(rest) and not _ACTUAL_VERB_END_RE.search(rest)


def _attach(drafts: list[IndicatorDraft], tok: Token, abs_end: int) -> bool:
    """Put a growth/progress/rank token on the current fact(s); never overwrite what is already there."""
    if not drafts:
        return False
    if tok.kind == "rank":
        targets = drafts if (tok.applies_to_all or len(drafts) == 1) else []
        if not targets or any(d.rank is not None for d in targets):
            return False
        for d in targets:
            d.rank, d.rank_scope, d.rank_text = tok.rank, tok.scope, tok.text
            d.end = max(d.end, abs_end)
        return True
    if len(tok.nums) != len(drafts):  # "105.8%和104.9%" needs exactly two facts
        return False
    slot = "growth" if tok.kind == "growth" else "progress"
    if any(getattr(d, slot) is not None for d in drafts):
        return False
    for d, (v, _t) in zip(drafts, tok.nums, strict=True):
        setattr(d, slot, v)
        setattr(d, f"{slot}_text", tok.text)
        d.end = max(d.end, abs_end)
    return True


def _value_run(tokens: list[Token], i: int, clause: str) -> list[Token]:
    """Consecutive value tokens joined only by 和/及/与/、 ("191.5亿元和138.5亿元")."""
    run = [tokens[i]]
    j = i + 1
    while (
        j < len(tokens)
        and tokens[j].kind == "value"
        and clause[run[-1].end : tokens[j].start] in ("和", "及", "与", "、")
    ):
        run.append(tokens[j])
        j += 1
    return run


def _split_names(names_text: str) -> list[tuple[int, str]]:
    """ "工业总产值和规模以上工业产值" -> [(0, "工业总产值"), (6, "规模以上工业产值")]."""
    out = []
    for m in re.finditer(r"[^和及与、]+", names_text):
        off, raw = clean_metric(m.group())
        out.append((m.start() + off, raw))
    return out


def _paragraph_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


def _opens_target_list(text: str, c_end: int, s_end: int, clause: str) -> bool:
    """ "今年经济社会发展的主要预期目标是：" — a clause naming targets before a colon: what follows lists them."""
    return c_end < s_end and text[c_end] in "：:" and bool(_TARGET_LIST_RE.search(clause.strip()))


def _extract_sentence(
    text: str, s_start: int, s_end: int, default_period: str | None, target: bool = False
) -> tuple[list[Indicator], bool]:
    """The sentence's facts, and whether it opened a list of targets that runs on to the end of its paragraph."""
    drafts: list[IndicatorDraft] = []
    carry = default_period  # a period heading the sentence/clause applies to the rest of the sentence
    current: list[IndicatorDraft] = []  # the fact(s) that modifier clauses attach to
    target_mode = target  # once a sentence states a target ("力争…"), its later values are targets too
    opened = False
    estimate_mode = False  # likewise for forecasts ("预计…"), until a clause states an achievement
    prev_clause_made_fact = False

    for c_start, c_end, after_semicolon in clauses(text, s_start, s_end):
        if after_semicolon:
            current = []
        clause = text[c_start:c_end]
        if _opens_target_list(text, c_end, s_end, clause):
            target_mode = opened = True
        tokens = scan_clause(clause)
        local: str | None = None
        seg_start = anchor = 0
        made_fact = False
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if tok.kind == "period":
                if not _PERIOD_LEAD_RE.sub("", clause[: tok.start].strip(" \t“”\"'（(")):
                    carry = tok.period  # "1-6月," / "全年18座…": heads the clause, so it heads what follows
                local = tok.period
                anchor = tok.end
                i += 1
                continue
            if tok.kind == "ignore":
                seg_start = anchor = tok.end
                i += 1
                continue

            period = local or carry
            metric_text = clause[anchor : tok.start]
            target_mode = target_mode or _is_target(clause[seg_start : tok.start])
            estimate = _is_estimate(clause[seg_start : tok.start], estimate_mode)

            if tok.kind == "value":
                run = _value_run(tokens, i, clause)
                new = _respectively(run, metric_text, anchor, c_start, period) if len(run) > 1 else []
                if new:
                    i += len(run)
                else:
                    run = [tok]
                    i += 1
                    restated = made_fact and bool(_RESTATED_RE.match(metric_text.strip()))  # "、达" names nothing
                    named = "" if restated else metric_text
                    new = _single_value(tok, named, anchor, c_start, period, current, prev_clause_made_fact or restated)
                for d in new:
                    d.kind = _kind(target_mode, estimate)
                if clean_metric(metric_text)[1]:  # a restated value ("预计全年可完成220亿元") forecasts only itself
                    estimate_mode = estimate
                drafts.extend(new)
                current = new
                made_fact = made_fact or bool(new)
                seg_start = anchor = run[-1].end
                continue

            # growth / progress / rank
            off, raw = clean_metric(metric_text)
            opens_fact = (
                tok.kind in ("growth", "rank")
                and looks_like_metric(raw, None)
                and (not current or is_known_metric(raw))
            )
            if opens_fact:
                d = IndicatorDraft(raw, None, "", None, c_start + anchor + off, c_start + tok.end, period)
                d.kind = _kind(target_mode, estimate)
                estimate_mode = estimate
                _attach([d], tok, c_start + tok.end)
                drafts.append(d)
                current = [d]
                made_fact = True
            else:
                _attach(current, tok, c_start + tok.end)
            seg_start = anchor = tok.end
            i += 1
        prev_clause_made_fact = made_fact

    return [d.freeze() for d in drafts], opened


def _kind(target_mode: bool, estimate: bool) -> str:
    return "target" if target_mode else "forecast" if estimate else "result"


def _respectively(
    run: list[Token], metric_text: str, anchor: int, c_start: int, period: str | None
) -> list[IndicatorDraft]:
    """ "A和B分别达到X和Y": one fact per name, or [] when names and values do not pair up."""
    if "分别" not in metric_text:
        return []
    names = [(off, raw) for off, raw in _split_names(metric_text.split("分别")[0]) if raw]
    if len(names) != len(run) or not all(
        looks_like_metric(raw, t.unit) for (_o, raw), t in zip(names, run, strict=True)
    ):
        return []
    start = c_start + anchor + names[0][0]
    return [
        IndicatorDraft(raw, t.nums[0][0], t.nums[0][1], t.unit, start, c_start + run[-1].end, period)
        for (_o, raw), t in zip(names, run, strict=True)
    ]


def _single_value(
    tok: Token,
    metric_text: str,
    anchor: int,
    c_start: int,
    period: str | None,
    current: list[IndicatorDraft],
    may_restate: bool,
) -> list[IndicatorDraft]:
    value, value_text = tok.nums[0]
    off, raw = clean_metric(metric_text)
    if not raw.strip():
        # "完成服务业应税销售171.22亿元,预计全年可完成220亿元": same metric, restated; only when the fact is in
        # the clause right before (or earlier in this one, "突破1000亿元、达到1035亿元") and has the same unit
        # ("…提升,达到75.45%" after a 亿元 fact is dropped).
        if may_restate and len(current) == 1 and current[0].unit == tok.unit:
            prev = current[0]
            return [IndicatorDraft(prev.raw_metric, value, value_text, tok.unit, prev.start, c_start + tok.end, period)]
        return []
    if not looks_like_metric(raw, tok.unit):
        return []
    return [IndicatorDraft(raw, value, value_text, tok.unit, c_start + anchor + off, c_start + tok.end, period)]
