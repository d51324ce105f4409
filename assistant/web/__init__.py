"""The web app: user chat widget, agent console and tickets view (Gradio) in one FastAPI app.

``create_app`` (``assistant.web.server``) is the entry point; ``app.py`` runs it.
"""

from __future__ import annotations

import os

# Gradio reports usage to its servers unless told not to; this app makes no outside calls.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
