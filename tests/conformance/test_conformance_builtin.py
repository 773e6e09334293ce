"""The built-in platforms pass the same conformance suite a third-party plugin runs (issue 8)."""

from __future__ import annotations

from creatorpay.testing import PlatformConformance


class TestXingtuConformance(PlatformConformance):
    platform = "xingtu"


class TestWechatChannelsConformance(PlatformConformance):
    platform = "wechat_channels"


class TestNeteaseConformance(PlatformConformance):
    platform = "netease"
