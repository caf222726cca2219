"""Reading the response counters: the Prometheus text, the admin page's rows, and Redis
for the tests of the shared store."""

from __future__ import annotations

import html
import re
from typing import Any

TOKEN = "metrics-token-" + "k" * 32


REDIS_URL = "redis://127.0.0.1:6379/0"


def bearer(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def series(client: Any) -> dict[str, float]:
    """``/metrics`` as {'name{labels}': value}; asserts it answered."""
    response = client.get("/metrics", headers=bearer())
    assert response.status_code == 200, response.status_code
    return {name: float(value) for name, value in (
        line.rsplit(" ", 1) for line in response.get_data(as_text=True).splitlines()
        if line and not line.startswith("#"))}


def responses(route: str, method: str, status: str) -> str:
    return f'portal_http_responses_total{{route="{route}",method="{method}",status="{status}"}}'


def route_rows(page: str) -> dict[tuple[str, str], list[str]]:
    """The admin page's table by route: (route, method) -> [total, 4xx, 429, 5xx, flag]."""
    table = page.split("<h2>按路由</h2>", 1)[1].split("</table>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("</thead>", 1)[1], re.S):
        cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                 for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
        flag = "超过阈值" if cells[0].endswith("超过阈值") else ""
        rows[cells[0].removesuffix(flag).strip(), cells[1]] = [*cells[2:], flag]
    return rows
