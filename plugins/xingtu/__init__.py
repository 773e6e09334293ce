"""Douyin Juliang Xingtu (巨量星图): co-creation orders (XT-*). Not implemented yet (issue 3)."""
