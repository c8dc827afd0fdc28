"""Time is an input: certificates inside their renewal window make a stack stale for
``federation up`` (which re-issues them with no config change), and ``status`` and
``drift`` name them (the real engine: tests/e2e/test_renewal_e2e.py)."""

from __future__ import annotations

import datetime

from fate_iac.federation_check import Member
from fate_iac.orchestrator import EngineError, converge, drift_all, plan, statuses
from fate_iac.renewal import due_certificates, renew_before_hours
from tests.test_orchestrator import FakeEngine, star

NOW = datetime.datetime(2027, 1, 10, 12, 0, tzinfo=datetime.UTC)
TLS = {"rollsite": {"type": "NodePort", "nodePort": 30091, "enableTLS": True}}


def tls_star(renew_before_hours: int = 720) -> dict[str, Member]:
    return star(a={**TLS, "tls": {"renewBeforeHours": renew_before_hours, "nodePort": 30092}})


def test_a_certificate_is_due_inside_its_window_only() -> None:
    cfg = tls_star(48)["a"].config
    assert renew_before_hours(cfg) == 48
    expiries = {
        "ca": "2027-06-01T00:00:00+00:00",
        "rollsite-tls": "2027-01-12T11:00:00+00:00",  # 47 h away: inside 48 h
        "other": "2027-01-12T13:00:00+00:00",  # 49 h away
    }
    assert due_certificates(cfg, expiries, NOW) == {"rollsite-tls": "2027-01-12T11:00:00+00:00"}
    # A stack that issues none has none due, whatever its outputs say.
    assert renew_before_hours(tls_star()["b"].config) is None
    assert due_certificates(tls_star()["b"].config, expiries, NOW) == {}


def test_up_renews_certificates_entering_their_window_with_no_config_change() -> None:
    members = tls_star()
    engine = FakeEngine(members)
    converge(members, engine, say=lambda _: None)
    assert plan(members, engine).stale == []
    # Time passes: rollsite's certificates are 10 days from expiry (the window is 30).
    soon = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=10)).isoformat()
    engine.certificates["a"] = {"ca": engine.renewed, "rollsite-tls": soon}
    planned = plan(members, engine)
    assert planned.stale == ["a"]
    assert planned.why("a") == f"certificates due: rollsite-tls (expires {soon[:16]})"
    # Changed as well as due: it says changed (its inputs), and runs once.
    changed = tls_star()
    changed["a"] = Member(changed["a"].config, "", "another stack file")
    assert plan(changed, engine).why("a") == "changed"
    engine.log.clear()
    said: list[str] = []
    converge(members, engine, say=said.append, planned=planned)
    assert engine.ups() == ["a"]
    assert engine.certificates["a"]["rollsite-tls"] == engine.renewed
    assert said[-1] == "converged after 1 update in 1 step"
    assert plan(members, engine).stale == []


def test_status_and_drift_name_certificates_inside_their_window() -> None:
    members = tls_star()
    engine = FakeEngine(members)
    converge(members, engine, say=lambda _: None)
    soon = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=3)).isoformat()
    engine.certificates["a"] = {"ca": engine.renewed, "rollsite-tls": soon}
    [found] = [s for s in statuses(members, engine) if s.stack == "a"]
    assert found.renewal == {"rollsite-tls": soon}
    assert f"due for renewal: rollsite-tls (expires {soon[:16]})" in found.line()
    said: list[str] = []
    outcomes = {o.stack: o for o in drift_all(members, engine, said.append)}
    assert outcomes["a"].state == "renewal-due"
    assert outcomes["b"].state == "in-sync"
    assert (
        f"drift a: renewal-due: certificates due for renewal: rollsite-tls (expires {soon[:16]})"
        in said
    )


def test_drift_says_why_a_stack_failed_in_text_too() -> None:
    members = tls_star()
    engine = FakeEngine(members)
    converge(members, engine, say=lambda _: None)

    def refused(stack: str, env: dict[str, str], refresh: bool = False) -> int:
        raise EngineError("the whole report", "the API server refused: 403 Forbidden")

    engine.preview = refused  # type: ignore[method-assign]
    said: list[str] = []
    outcomes = drift_all(members, engine, said.append)
    assert {o.state for o in outcomes} == {"failed"}
    assert "drift a: failed: the API server refused: 403 Forbidden" in said
