"""The async side that owns HNS: executor, applier, endpoint mapping, adoption."""
