"""The nine NetEase scenes one entry distributes to (NE-DIST-01), keyed as in docs/scenario.md.

The keys are the ``SCENES`` of :mod:`.fields` (the loader rejects any other); the names are the source's.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

#: Scene key -> its Chinese name in 003_5bafb72aa4556420.txt, in the source's order (NE-DIST-01).
SCENE_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "news": "网易新闻",
        "cloud_music": "网易云音乐",
        "yanxuan": "网易严选",
        "youdao": "网易有道",
        "lofter": "网易LOFTER",
        "dashen": "网易大神",
        "open_course": "网易公开课",
        "youdao_reading": "有道乐读",
        "video_search": "网易视频搜索",
    }
)


def scene_name(key: str) -> str:
    """The Chinese name of a scene key, or the key itself for one this module does not know."""
    return SCENE_NAMES.get(key, key)
