"""WeChat Channels' tests build their engines and scenarios with the plain functions of
wechat_channels_helpers.py (an engine per rule override), not fixtures: a test names the overrides it
settles under. The shared fixtures come from tests/conftest.py."""
