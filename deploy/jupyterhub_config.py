# JupyterHub configuration of the academy (./run hub uses it; settings come from CTIP_HUB_*
# environment variables, documented in ctip/deployment/hubconfig.py and docs/academy-it.md).
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from ctip.deployment.hubconfig import configure  # noqa: E402
from ctip.deployment.layout import require_open_to_others  # noqa: E402

if os.environ.get("CTIP_HUB_SPAWNER", "local") == "local":
    require_open_to_others(ROOT)     # trainees' servers import ctip from here (kube: from the image)

configure(get_config())  # noqa: F821
