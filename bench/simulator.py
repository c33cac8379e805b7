"""The ``kerio_simulator`` command, for benchmarks: the same server with history pages served fast.

The stock simulator sorts its whole history on every CallHistory.get (about 1.4 s a page at
200,000 records on the reference machine), which would make the simulator, not the code under
test, the bottleneck. Here the sorted order of an unfiltered query is computed once per history
length and pages are sliced from it. The answers are the same records in the same order.

Usage: python bench/simulator.py <kerio_simulator options>
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "callcenter.settings")
os.environ.setdefault("DEBUG", "true")


def install_fast_history() -> None:
    from providers.kerio.simulator import rpc
    from providers.kerio.simulator.query import QueryError, run_query

    stock = rpc.Dispatcher.call_history
    cache: dict = {}

    def call_history(self, params: dict) -> dict:
        query = params.get("query") or {}
        if (
            not isinstance(query, dict)
            or query.get("conditions")
            or query.get("fields")
            or self.state.on_history_request is not None
        ):
            return stock(self, params)
        with self.state.lock:
            history = self.state.history
            order = query.get("orderBy") or []
            key = (len(history), json.dumps(order, sort_keys=True))
            ordered = cache.get(key)
            if ordered is None:
                cache.clear()
                ordered, _total = run_query(history, {"orderBy": order, "limit": -1})
                cache[key] = ordered
            try:
                start = max(int(query.get("start") or 0), 0)
                limit = int(query.get("limit", -1))
            except (TypeError, ValueError) as exc:
                raise QueryError("start and limit must be integers") from exc
            cap = self.state.page_cap
            if cap is not None and (limit < 0 or limit > cap):
                limit = cap
            page = ordered[start : start + limit]
            return {"callHistory": [dict(record) for record in page], "totalItems": len(ordered)}

    rpc.Dispatcher.call_history = call_history


def main() -> None:
    import django

    django.setup()
    install_fast_history()
    from django.core.management import call_command

    call_command("kerio_simulator", *sys.argv[1:])


if __name__ == "__main__":
    main()
