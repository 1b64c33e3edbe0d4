"""Features for the statistical crisis screen, shared by safety.py and tools/train_screen.py.

Words, word pairs and four-letter runs inside words (so "sucidal" still shares most runs with
"suicidal"), from text folded to lower case with apostrophes removed ("cant" and "can't" alike).
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9]+")


def features(text: str) -> set[str]:
    text = text.lower().replace("\u2019", "").replace("'", "")
    words = _WORD.findall(text)
    feats = {f"w:{w}" for w in words}
    feats |= {f"b:{a}_{b}" for a, b in zip(words, words[1:])}
    for word in words:
        padded = f"<{word}>"
        feats |= {f"c:{padded[i:i + 4]}" for i in range(max(len(padded) - 3, 1))}
    return feats
