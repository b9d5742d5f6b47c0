"""The side that owns HNS: the sans-IO reconciler (actions, backoff, endpoint mapping,
adoption), its anyio driver (applier), and the synchronous plan executor."""
