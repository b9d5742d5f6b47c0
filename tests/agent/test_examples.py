"""The documented embedding example runs as shown in docs/api.md."""

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "embed.py"


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_embed_example_programs_the_simulator(backend: str) -> None:
    proc = subprocess.run(
        [sys.executable, str(EXAMPLE), backend], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert "demo/api: 5 ACLs" in proc.stdout
    assert "KubernetesNetworkPolicy(demo/api-ingress)" in proc.stdout
