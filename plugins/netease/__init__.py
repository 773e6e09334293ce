"""NetEase video number (网易视频号): base salary and programs (NE-*). Not implemented yet (issue 5)."""
