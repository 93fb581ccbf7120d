"""What an owner watches (SPEC section 6): /metrics read by a real
Prometheus parser, and the JSON log lines, which trace a request end to end
and never carry a customer's email address, a card token or a secret."""
import json
import re

import pytest
from prometheus_client.parser import text_string_to_metric_families

from shop import ADMIN_TOKEN, order, wait_for

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
LEVELS = {"debug", "info", "warn", "error", "critical"}
# Log lines that end one attempt of a job.
ATTEMPT_END = {"job done", "job failed, will retry", "job dead", "team alert could not be delivered"}


class Scrape:
    """One GET /metrics, parsed by prometheus_client."""

    def __init__(self, shop):
        r = shop.get("/metrics")
        assert r.status == 200, r
        assert r.headers["content-type"].startswith("text/plain")
        self.families = {f.name: f for f in text_string_to_metric_families(r.body.decode())}
        self.samples = [s for f in self.families.values() for s in f.samples]

    def value(self, name, **labels):
        """The sample's value; 0 when the series does not exist yet (a counter never incremented)."""
        found = [s.value for s in self.samples if s.name == name and s.labels == labels]
        assert len(found) <= 1, (name, labels, found)
        return found[0] if found else 0.0

    def series(self, name):
        return [s for s in self.samples if s.name == name]



# --- metrics -------------------------------------------------------------

def test_metrics_parse_as_prometheus_text_with_the_spec_names_and_types(shop):
    m = Scrape(shop)
    expected = {
        "shopd_http_requests": "counter",             # samples: shopd_http_requests_total{route,code}
        "shopd_http_request_duration_seconds": "histogram",
        "shopd_jobs": "counter",                      # samples: shopd_jobs_total{kind,outcome}
        "shopd_job_duration_seconds": "histogram",
        "shopd_outbox_jobs": "gauge",
        "shopd_outbox_oldest_due_seconds": "gauge",
    }
    for name, kind in expected.items():
        assert name in m.families, f"{name} missing from /metrics"
        assert m.families[name].type == kind, (name, m.families[name].type)
    assert {s.labels["state"] for s in m.series("shopd_outbox_jobs")} == {
        "pending", "running", "retrying", "done", "dead", "discarded"}
    assert m.value("shopd_outbox_oldest_due_seconds") == 0  # nothing waiting
    # The /healthz the harness polled at startup is already counted, with route and code labels.
    assert m.value("shopd_http_requests_total", route="/healthz", code="200") >= 1


def test_counters_move_with_orders_and_jobs(shop):
    before = Scrape(shop)
    ok = [shop.post_order(order()).json()["id"] for _ in range(2)]
    declined = shop.post_order(order(token="pm_card_chargeDeclined")).json()["id"]
    for oid in ok:
        shop.wait_for_status(oid, "completed")
    shop.wait_for_status(declined, "payment_failed")
    shop.wait_until_idle()
    for oid in ok:  # twice each, to see the route label stay one series
        shop.get(f"/orders/{oid}")
    after = Scrape(shop)

    def delta(name, **labels):
        return after.value(name, **labels) - before.value(name, **labels)

    assert delta("shopd_http_requests_total", route="/orders", code="202") == 3
    assert delta("shopd_http_request_duration_seconds_count", route="/orders") == 3
    assert delta("shopd_jobs_total", kind="payment.charge", outcome="done") == 2
    assert delta("shopd_jobs_total", kind="payment.charge", outcome="dead") == 1
    assert delta("shopd_jobs_total", kind="email.confirmation", outcome="done") == 2
    assert delta("shopd_jobs_total", kind="inventory.release", outcome="done") == 1
    assert delta("shopd_job_duration_seconds_count", kind="payment.charge") == 3
    assert delta("shopd_job_duration_seconds_count", kind="invoice.generate") == 2

    db = {r["state"]: r["n"] for r in shop.query("SELECT state, count(*) AS n FROM outbox GROUP BY state")}
    for state in ("pending", "running", "retrying", "done", "dead"):
        assert after.value("shopd_outbox_jobs", state=state) == db.get(state, 0), state
    assert after.value("shopd_outbox_jobs", state="dead") == 1

    # Routes are labelled by template: order ids never become label values.
    for s in after.series("shopd_http_requests_total") + after.series("shopd_http_request_duration_seconds_count"):
        assert not UUID.search(s.labels["route"]), s


def test_unknown_paths_do_not_create_a_metric_series_each(shop):
    for i in range(5):
        assert shop.get(f"/wp-admin/probe-{i}.php").status == 404
    m = Scrape(shop)
    routes = {s.labels["route"] for s in m.series("shopd_http_requests_total")}
    assert not any("probe" in r or "wp-admin" in r for r in routes), routes


def test_request_duration_histogram_has_buckets_below_one_millisecond(shop):
    oid = shop.post_order(order()).json()["id"]
    shop.wait_for_status(oid, "completed")
    m = Scrape(shop)
    buckets = [s for s in m.series("shopd_http_request_duration_seconds_bucket") if s.labels["route"] == "/orders"]
    bounds = [float(s.labels["le"]) for s in buckets]
    assert len([b for b in bounds if b < 0.001]) >= 3, bounds
    assert bounds == sorted(bounds) and bounds[-1] == float("inf")
    counts = [s.value for s in buckets]
    assert counts == sorted(counts), "buckets must be cumulative"
    assert counts[-1] == m.value("shopd_http_request_duration_seconds_count", route="/orders") == 1
    assert m.value("shopd_http_request_duration_seconds_sum", route="/orders") > 0


def test_oldest_due_gauge_shows_a_backlog_and_returns_to_zero_when_it_drains(shop_factory):
    # One executor and a slow provider: payments queue up behind each other.
    shop = shop_factory(config={"worker": {"concurrency": 1}, "payment": {"test_latency_ms": 250}})
    ids = [shop.post_order(order(qty=1)).json()["id"] for _ in range(6)]

    def backlog():
        m = Scrape(shop)
        return m if m.value("shopd_outbox_oldest_due_seconds") >= 0.2 else None
    m = wait_for(backlog, message="the oldest due job to be waiting for 0.2 s")
    assert m.value("shopd_outbox_jobs", state="pending") >= 1
    for oid in ids:
        shop.wait_for_status(oid, "completed", timeout=30)
    shop.wait_until_idle()
    drained = Scrape(shop)
    assert drained.value("shopd_outbox_oldest_due_seconds") == 0
    assert drained.value("shopd_outbox_jobs", state="pending") == 0


# --- logs ----------------------------------------------------------------

SECRETS_SEEN_BY_THE_SERVER = ["pm_card_visa", "pm_card_chargeDeclined", "pm_card_transient", ADMIN_TOKEN,
                              "wrong-admin-token-0123"]
EMAILS = ["jane.doe+shop@example.com", "bob.smith@example.org", "carol.customer@example.net"]


@pytest.mark.sanitize
def test_every_log_line_is_json_and_traces_requests_and_jobs_without_customer_data_or_secrets(shop):
    traced = shop.post_order(order(email=EMAILS[0]), headers={"X-Request-Id": "trace-42.checkout:ABC_x"})
    assert traced.status == 202, traced
    traced_id = traced.json()["id"]
    declined = shop.post_order(order(email=EMAILS[1], token="pm_card_chargeDeclined")).json()["id"]
    transient = shop.post_order(order(email=EMAILS[2], token="pm_card_transient")).json()["id"]
    # Rejected requests that carry personal data and a token.
    assert shop.post_order({"customer": {"email": EMAILS[0]}, "payment": {"token": "pm_card_visa"}}).status == 400
    assert shop.post_order(order(email=EMAILS[1], qty=5000)).status == 400
    assert shop.admin("GET", "/admin/orders", token="wrong-admin-token-0123").status == 401
    assert shop.admin("GET", "/admin/jobs?state=dead").status == 200
    shop.wait_for_status(traced_id, "completed")
    shop.wait_for_status(declined, "payment_failed")
    shop.wait_for_status(transient, "completed", timeout=30)
    shop.wait_until_idle()
    shop.stop()

    text = shop.log_text()
    entries = []
    for n, line in enumerate(text.splitlines(), 1):
        try:
            entry = json.loads(line)
        except ValueError:
            raise AssertionError(f"log line {n} is not JSON: {line[:200]!r}")
        assert isinstance(entry, dict), line
        assert ISO_TIME.match(entry.get("ts", "")), line
        assert entry.get("level") in LEVELS, line
        assert isinstance(entry.get("msg"), str) and entry["msg"], line
        entries.append(entry)

    # Nothing private, anywhere: no full email address, no card token, no admin token.
    for email in EMAILS:
        assert email.lower() not in text.lower(), f"{email} is in the log"
    for secret in SECRETS_SEEN_BY_THE_SERVER:
        assert secret not in text, f"{secret} is in the log"
    assert not re.search(r"\bpm_[A-Za-z0-9]", text), "a payment token is in the log"
    assert not re.search(r"Bearer \S", text)

    # One access line per request, with what an owner needs to find it.
    access = [e for e in entries if e["msg"] == "request"]
    for e in access:
        for key in ("request_id", "method", "route", "status", "duration_ms"):
            assert key in e, (key, e)
        assert isinstance(e["status"], int) and isinstance(e["duration_ms"], (int, float)), e
    statuses = [(e["method"], e["route"], e["status"]) for e in access]
    assert statuses.count(("POST", "/orders", 202)) == 3
    assert statuses.count(("POST", "/orders", 400)) == 2
    assert ("GET", "/admin/orders", 401) in statuses

    # Job lines name the job, and every attempt's end says how it went and how long it took.
    job_lines = [e for e in entries if "job_id" in e]
    assert job_lines
    for e in job_lines:
        for key in ("kind", "attempt", "order_id"):
            assert key in e, (key, e)
    for e in [e for e in job_lines if e["msg"] in ATTEMPT_END]:
        assert "duration_ms" in e and "outcome" in e, e
    assert any(e["msg"] == "job dead" and e["order_id"] == declined and e["kind"] == "payment.charge"
               for e in job_lines)
    retries = [e for e in job_lines if e["order_id"] == transient and e["kind"] == "payment.charge"
               and e["msg"] in ATTEMPT_END]
    assert [e["attempt"] for e in retries] == [1, 2, 3]
    assert [e["outcome"] for e in retries] == ["retry", "retry", "done"]

    # End to end: the storefront's request id leads to the order, the order id to every job.
    post = [e for e in access if e["request_id"] == "trace-42.checkout:ABC_x"]
    assert len(post) == 1 and post[0]["order_id"] == traced_id
    traced_jobs = {e["kind"] for e in job_lines if e["order_id"] == traced_id and e["msg"] == "job done"}
    assert traced_jobs == {"payment.charge", "inventory.commit", "invoice.generate", "email.confirmation"}


def test_a_sane_x_request_id_is_echoed_and_any_other_is_replaced_by_a_generated_one(shop):
    sane = "checkout-7f3a.2:retry_1"
    r = shop.get("/products", headers={"X-Request-Id": sane})
    assert r.headers["x-request-id"] == sane

    generated = set()
    for bad in ["has spaces", "x" * 300, 'quote"inside', "semi;colon", "<script>", ""]:
        r = shop.get("/products", headers={"X-Request-Id": bad})
        assert r.status == 200
        rid = r.headers.get("x-request-id", "")
        assert rid and rid != bad and re.fullmatch(r"[A-Za-z0-9._:-]{1,128}", rid), (bad, rid)
        generated.add(rid)
    none = shop.get("/products").headers.get("x-request-id", "")
    assert none
    generated.add(none)
    assert len(generated) == 7, "generated request ids must be unique"

    # Errors carry it too, and the access log uses the same id.
    err = shop.post_order({"items": []}, headers={"X-Request-Id": "bad-order-1"})
    assert err.status == 400 and err.headers["x-request-id"] == "bad-order-1"
    shop.stop()
    logged = {e["request_id"] for e in shop.log_entries() if e["msg"] == "request"}
    assert {sane, "bad-order-1", none} <= logged
    assert not any(" " in i or '"' in i or "<" in i for i in logged)
