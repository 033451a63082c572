#!/usr/bin/env python3
"""Writes the finding fixtures: for each finding of the catalogue, a case where it fires and a
near miss where it must not, each as small as the finding allows.

Each case is a folder <finding>/<fires|near-miss>/ with the logs under input/ and expect.json
({"finding": id, "fires": bool}). The two cases of a finding differ only in the value that
crosses the threshold (docs/findings.md), so each pair pins that threshold down.

Run from anywhere: python3 crates/engine/tests/findings/make_cases.py
The output is deterministic; commit it with the script.
"""
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
T0 = 1772787600000  # 2026-03-06T09:00:00Z
MINUTE = 60_000


def iso(ms):
    seconds, millis = divmod(ms, 1000)
    days, rest = divmod(seconds, 86400)
    hour, rest = divmod(rest, 3600)
    minute, second = divmod(rest, 60)
    assert days == 20518  # 2026-03-06; the cases stay within that day
    return "2026-03-06T%02d:%02d:%02d.%03dZ" % (hour, minute, second, millis)


class Ids:
    def __init__(self):
        self.n = 0

    def next(self, kind="req"):
        self.n += 1
        return "%s-%08d-0000-4000-8000-%012d" % (kind[:3], self.n, self.n)


IDS = Ids()


def request(t, route, status=200, latency=120, integration=None, error_type="-", integration_error="-",
            trace="-", length=512, path=None):
    method, resource = route.split(" ", 1)
    if integration is None:
        integration = latency - 10 if status not in (403, 429) else "-"
    return {
        "requestId": IDS.next(), "requestTimeEpoch": str(t), "httpMethod": method, "resourcePath": resource,
        "path": path or resource, "status": str(status), "responseLatency": str(latency),
        "integrationLatency": str(integration), "errorResponseType": error_type,
        "integrationErrorMessage": integration_error, "xrayTraceId": trace, "responseLength": str(length),
    }


def timeout(t, route, trace="-"):
    return request(t, route, status=504, latency=29010, integration="-", error_type="INTEGRATION_TIMEOUT",
                   trace=trace, length=41)


def background(count=20, route="GET /orders", start=T0, step=MINUTE):
    return [request(start + i * step, route) for i in range(count)]


def report(end_ms, duration, memory=512, used=100, init=None, trace=None, status=None, request_id=None):
    rid = request_id or IDS.next("inv")
    fields = ["RequestId: %s" % rid, "Duration: %.2f ms" % duration, "Billed Duration: %d ms" % round(duration),
              "Memory Size: %d MB" % memory, "Max Memory Used: %d MB" % used]
    if init is not None:
        fields.append("Init Duration: %.2f ms" % init)
    if status:
        fields.append("Status: %s" % status)
    if trace:
        fields += ["XRAY TraceId: %s" % trace, "SegmentId: 0123456789abcdef", "Sampled: true"]
    start = end_ms - round(duration)
    return [
        "%s START RequestId: %s Version: $LATEST" % (iso(start), rid),
        "%s END RequestId: %s" % (iso(end_ms), rid),
        "%s REPORT %s" % (iso(end_ms), "\t".join(fields)),
    ]


CASES = {}


def case(finding, fires, access=None, lambdas=None, note=""):
    CASES[(finding, "fires" if fires else "near-miss")] = (access or [], lambdas or {}, note)


def pair(fires_access=None, miss_access=None, fires_lambdas=None, miss_lambdas=None, finding=None, note=""):
    case(finding, True, fires_access, fires_lambdas, note)
    case(finding, False, miss_access, miss_lambdas, note)


TRACE = "1-69aa9a90-0123456789abcdef01234567"
AT = T0 + 30 * MINUTE

pair(finding="integration-timeout",
     fires_access=background() + [timeout(AT, "POST /reports")],
     miss_access=background() + [request(AT, "POST /reports", latency=28910, integration=28900)],
     note="a 504 INTEGRATION_TIMEOUT against a request that finished 100 ms short of the ceiling")

pair(finding="near-ceiling",
     fires_access=background() + [request(AT, "POST /reports", latency=26110, integration=26100)],
     miss_access=background() + [request(AT, "POST /reports", latency=26109, integration=26099)],
     note="integration latency 26100 ms is 90% of 29 s; 26099 ms is not")

pair(finding="p99-near-ceiling",
     fires_access=[request(T0 + i * MINUTE, "GET /search", latency=23200 if i == 9 else 300) for i in range(10)],
     miss_access=[request(T0 + i * MINUTE, "GET /search", latency=23199 if i == 9 else 300) for i in range(10)],
     note="p99 of ten requests is their maximum: 23200 ms is 80% of 29 s")

pair(finding="bad-gateway",
     fires_access=background() + [request(AT, "POST /payments", status=502, latency=900, integration=880,
                                          error_type="DEFAULT_5XX",
                                          integration_error="Malformed Lambda proxy response")],
     miss_access=background() + [request(AT, "POST /payments", status=500, latency=900, integration=880,
                                          error_type="DEFAULT_5XX")],
     note="a 502 against a 500")


def spread(routes, timeouts_by_route, per_route=12):
    lines = []
    for r, route in enumerate(routes):
        failing = timeouts_by_route.get(route, 0)
        for i in range(per_route):
            t = T0 + (i * len(routes) + r) * MINUTE // 4
            lines.append(timeout(t, route) if i < failing else request(t, route))
    return sorted(lines, key=lambda x: int(x["requestTimeEpoch"]))


ROUTES = ["GET /orders", "GET /orders/{id}", "POST /orders", "GET /customers/{id}", "GET /products",
          "GET /health", "POST /payments", "POST /reports"]
pair(finding="timeouts-concentrated",
     fires_access=spread(ROUTES, {"POST /reports": 5}),
     miss_access=spread(ROUTES, {"POST /reports": 4}),
     note="5 timeouts on one route of eight make a pattern; 4 are too few to call one")

pair(finding="timeouts-systemic",
     fires_access=spread(ROUTES, {r: 2 for r in ROUTES[:6]}),
     miss_access=spread(ROUTES, {ROUTES[0]: 6, ROUTES[1]: 6}),
     note="timeouts on six of eight routes alike, against the same number on two routes")


def burst(times):
    """A request a minute for two hours and timeouts at `times` (minutes). The burst must be more
    than chance gives (burst-p-value-per-mille): timeouts in proportion to the traffic are none,
    so the timeouts are few against the requests around them. Its ids are its own, and it takes
    the 67 of the shared ones it held when it had fewer lines, so that the later cases keep
    theirs."""
    global IDS
    later, IDS = IDS, Ids()
    lines = [request(T0 + i * MINUTE, "GET /orders") for i in range(120)]
    lines += [timeout(T0 + int(m * MINUTE) + 30_000, "POST /process") for m in times]
    IDS = later
    IDS.n += 67
    return sorted(lines, key=lambda x: int(x["requestTimeEpoch"]))


pair(finding="timeout-burst",
     fires_access=burst([10, 60, 61, 62, 62.5, 63, 64, 100]),
     miss_access=burst([5, 20, 35, 50, 65, 80, 95, 110]),
     note="six timeouts within five minutes of two hours, against eight spread evenly")


def gateway_timeout_with_invocation(duration, init=None, end_offset=None):
    """A 504 and the invocation behind it, paired by X-Ray trace id."""
    access = background() + [timeout(AT, "POST /reports", trace=TRACE)]
    end = AT + (end_offset if end_offset is not None else round(duration) + (round(init) if init else 0))
    return access, {"lambda-reports-fn.log": report(end, duration, init=init, trace=TRACE)}


access, fires = gateway_timeout_with_invocation(31000)
_, miss = gateway_timeout_with_invocation(5000)
pair(finding="lambda-outlived-gateway", fires_access=access, miss_access=access, fires_lambdas=fires,
     miss_lambdas=miss, note="the traced invocation ran 31 s, past the gateway's answer; 5 s did not")

access, fires = gateway_timeout_with_invocation(25000, init=5000)
_, miss = gateway_timeout_with_invocation(30500)
pair(finding="cold-start-timeouts", fires_access=access, miss_access=access, fires_lambdas=fires,
     miss_lambdas=miss, note="a 5 s init under a 25 s handler, against a warm invocation that ran long")


def invocations(last_duration, status=None, used=100, count=5, memory=512):
    lines = []
    for i in range(count):
        end = T0 + (i + 1) * MINUTE
        if i == count - 1:
            lines += report(end, last_duration, status=status, used=used, memory=memory)
        else:
            lines += report(end, 800.0, used=100, memory=memory)
    return {"lambda-process-fn.log": lines}


pair(finding="lambda-timeout-above-gateway",
     fires_lambdas=invocations(30003.5, status="timeout"),
     miss_lambdas=invocations(10003.5, status="timeout"),
     note="a function that times out at 30 s, against one that times out at 10 s")

pair(finding="lambda-timeout",
     fires_lambdas=invocations(10003.5, status="timeout"),
     miss_lambdas=invocations(9990.0),
     note="Status: timeout at 10 s, against an invocation that finished 10 ms short")

pair(finding="memory-pressure",
     fires_lambdas=invocations(800.0, used=461),
     miss_lambdas=invocations(800.0, used=460),
     note="461 of 512 MB is 90%; 460 MB is not")

init_failure = invocations(800.0)["lambda-process-fn.log"]
pair(finding="lambda-init-failure",
     fires_lambdas={"lambda-process-fn.log": [
         "%s INIT_REPORT Init Duration: 9999.79 ms\tPhase: init\tStatus: timeout" % iso(T0 + 10)] + init_failure},
     miss_lambdas={"lambda-process-fn.log": [
         "%s INIT_REPORT Init Duration: 999.79 ms\tPhase: init\tStatus: success" % iso(T0 + 10)] + init_failure},
     note="an init phase that timed out, against one that succeeded")

pair(finding="async-candidate",
     fires_access=background() + [request(AT + i * MINUTE, "POST /reports/generate", latency=v)
                                  for i, v in enumerate([9000, 9500, 10000, 12000, 14000])],
     miss_access=background() + [request(AT + i * MINUTE, "POST /reports/generate", latency=v)
                                 for i, v in enumerate([9000, 9500, 9999, 12000, 14000])],
     note="a median of 10 s, against 9.999 s")

pair(finding="cache-candidate",
     fires_access=background() + [request(AT + i * MINUTE, "GET /reports/{id}", latency=2500,
                                          path="/reports/%d" % (i % 4 + 1)) for i in range(12)],
     miss_access=background() + [request(AT + i * MINUTE, "GET /reports/{id}", latency=2500,
                                         path="/reports/%d" % (i + 1)) for i in range(12)],
     note="a slow GET asked 12 times for 4 paths, against 12 distinct paths")

pair(finding="large-response",
     fires_access=background() + [request(AT, "GET /export", length=9 * 1024 * 1024)],
     miss_access=background() + [request(AT, "GET /export", length=9 * 1024 * 1024 - 1)],
     note="a body of 9 MiB, against one byte less")


def without(field, lines):
    return [{k: v for k, v in line.items() if k != field} for line in lines]


pair(finding="missing-latency-fields",
     fires_access=without("integrationLatency", background()),
     miss_access=background(),
     note="a format without $context.integrationLatency, against the full one")

pair(finding="throttled",
     fires_access=background() + [request(AT, "GET /orders", status=429, latency=3, error_type="THROTTLED")],
     miss_access=background() + [request(AT, "GET /orders", status=403, latency=3,
                                          error_type="MISSING_AUTHENTICATION_TOKEN")],
     note="a 429, against a 403 refused before the integration")


def stepped(wait):
    """Five 25 s invocations of orders-fn (Node.js lines) whose call to payments-api takes `wait` ms."""
    lines = []
    for i in range(5):
        end = T0 + (i + 1) * MINUTE
        start = end - 25000
        rid = "%08x-5555-4000-8000-%012x" % (i + 1, i + 1)
        body = report(end, 25000.0, request_id=rid)
        app = ["%s\t%s\tINFO\tCalling payments-api for order %d" % (iso(start), rid, 100 + i),
               "%s\t%s\tINFO\tpayments-api answered 200 in %d ms" % (iso(start + wait), rid, wait)]
        lines += body[:1] + app + body[1:]
    return {"lambda-orders-fn.log": lines}


pair(finding="slow-step",
     fires_lambdas=stepped(12750),
     miss_lambdas=stepped(12500),
     note="the wait after one line holds 51% of five slow invocations, against 50%")


def main():
    for entry in os.listdir(HERE):
        if os.path.isdir(os.path.join(HERE, entry)):
            shutil.rmtree(os.path.join(HERE, entry))
    for (finding, kind), (access, lambdas, note) in sorted(CASES.items()):
        folder = os.path.join(HERE, finding, kind)
        os.makedirs(os.path.join(folder, "input"))
        if access:
            with open(os.path.join(folder, "input", "apigw-access.jsonl"), "w") as out:
                for record in access:
                    out.write(json.dumps(record, separators=(",", ":")) + "\n")
        for name, lines in lambdas.items():
            with open(os.path.join(folder, "input", name), "w") as out:
                out.write("\n".join(lines) + "\n")
        with open(os.path.join(folder, "expect.json"), "w") as out:
            json.dump({"finding": finding, "fires": kind == "fires", "case": note}, out, indent=2)
            out.write("\n")


if __name__ == "__main__":
    main()
