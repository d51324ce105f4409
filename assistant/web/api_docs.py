"""``/docs``: the OpenAPI schema as one self-contained HTML page.

FastAPI's default Swagger UI loads its scripts and styles from a CDN, which this app never
does; this page is rendered on the server from the same schema served at
``/openapi.json``, with no script and no external resource (its CSP allows none).
"""

from __future__ import annotations

import html
import json
from typing import Any

DOCS_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
_METHODS = ("get", "post", "put", "patch", "delete")
_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:60rem;
margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1f2328}
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em}
pre{background:#f6f8fa;padding:.75rem;overflow:auto;border-radius:6px}
.op{border:1px solid #d0d7de;border-radius:8px;padding:.5rem 1rem;margin:1rem 0}
.method{font-weight:700;text-transform:uppercase;margin-right:.5rem}
table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:.25rem .5rem;
text-align:left;vertical-align:top}
"""


def _e(value: object) -> str:
    return html.escape(str(value))


def _ref_name(schema: dict[str, Any]) -> str:
    ref = schema.get("$ref", "")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        return f'<a href="#schema-{_e(name)}"><code>{_e(name)}</code></a>'
    return f"<code>{_e(json.dumps(schema))}</code>"


def _parameters(operation: dict[str, Any]) -> str:
    params = operation.get("parameters", [])
    if not params:
        return ""
    rows = "".join(
        f"<tr><td><code>{_e(p['name'])}</code></td><td>{_e(p.get('in', ''))}</td>"
        f"<td>{_ref_name(p.get('schema', {}))}</td></tr>"
        for p in params
    )
    head = "<tr><th>name</th><th>in</th><th>schema</th></tr>"
    return f"<h4>Parameters</h4><table>{head}{rows}</table>"


def _request_body(operation: dict[str, Any]) -> str:
    content = operation.get("requestBody", {}).get("content", {})
    body = content.get("application/json")
    if not body:
        return ""
    return f"<h4>Request body (JSON)</h4><p>{_ref_name(body.get('schema', {}))}</p>"


def _responses(operation: dict[str, Any]) -> str:
    rows = []
    for status, response in operation.get("responses", {}).items():
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        shown = _ref_name(schema) if schema else ""
        rows.append(
            f"<tr><td>{_e(status)}</td><td>{_e(response.get('description', ''))}</td>"
            f"<td>{shown}</td></tr>"
        )
    head = "<tr><th>status</th><th>meaning</th><th>body</th></tr>"
    return f"<h4>Responses</h4><table>{head}{''.join(rows)}</table>"


def _operation(path: str, method: str, operation: dict[str, Any]) -> str:
    return (
        f'<section class="op"><h3><span class="method">{_e(method)}</span>'
        f"<code>{_e(path)}</code></h3><p><strong>{_e(operation.get('summary', ''))}</strong>"
        f"</p><p>{_e(operation.get('description', ''))}</p>{_parameters(operation)}"
        f"{_request_body(operation)}{_responses(operation)}</section>"
    )


def docs_page(schema: dict[str, Any], openapi_url: str = "/openapi.json") -> str:
    info = schema.get("info", {})
    operations = [
        _operation(path, method, item[method])
        for path, item in schema.get("paths", {}).items()
        for method in _METHODS
        if method in item
    ]
    schemas = "".join(
        f'<h3 id="schema-{_e(name)}"><code>{_e(name)}</code></h3>'
        f"<pre>{_e(json.dumps(definition, indent=2))}</pre>"
        for name, definition in schema.get("components", {}).get("schemas", {}).items()
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{_e(info.get('title', 'API'))}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{_e(info.get('title', 'API'))} <small>{_e(info.get('version', ''))}</small></h1>"
        f"<p>{_e(info.get('description', ''))}</p>"
        f'<p>Machine-readable: <a href="{_e(openapi_url)}"><code>{_e(openapi_url)}</code></a>'
        f" (OpenAPI {_e(schema.get('openapi', ''))}).</p>"
        f"<h2>Endpoints</h2>{''.join(operations)}<h2>Schemas</h2>{schemas}</body></html>"
    )
