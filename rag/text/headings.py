"""The numbers that open a report's headings and list items: "一、", "（二）", "(3)", "4." — written once here and
built into the patterns of every reader (line joining, chunk sections, title detection, the year of a part).

Each is a regex fragment without groups; `NUMBERED_LINE` is a line opening with any of the three. The items of a
list inside a sentence ("一是", "第四，") are read by rag.text.sentences.ITEM_MARK.
"""

from __future__ import annotations

import re

from rag.text.numerals import CN_LIST_DIGITS

# "一、", "二．": a part of a report, the outermost numbered heading.
CN_NUMBERED = rf"[{CN_LIST_DIGITS}]+[、.．]"
# "（一）", "(2)": a section inside a part, numbered in Chinese or Arabic digits.
PAREN_NUMBERED = rf"[（(][{CN_LIST_DIGITS}\d]+[)）]"
# "1.", "2、": a numbered item (callers that must tell "3.5" from "3." add their own look-ahead).
ARABIC_NUMBERED = r"\d+[、.．]"
# A line that opens with a heading or list number of any of these forms.
NUMBERED_LINE = re.compile(rf"^(?:{CN_NUMBERED}|{PAREN_NUMBERED}|{ARABIC_NUMBERED})")
