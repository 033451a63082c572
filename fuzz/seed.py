#!/usr/bin/env python3
"""Seeds fuzz/corpus/<target>/ with every real sample (../shared/data/real) and every
fixture of the engine's tests, cut to their first 16 KiB (the samples of the incident to
their first 40 lines), plus a few lines written in each access format. Run it from the
workspace root; the corpus it writes is committed, and crates/engine/tests/fuzz_corpus.rs
replays it on stable. libFuzzer adds what it finds to the same folders."""
import gzip, hashlib, pathlib, sys

root = pathlib.Path(__file__).resolve().parent.parent
real = root.parent / "shared" / "data" / "real"
if not real.is_dir():
    real = pathlib.Path("/work/shared/data/real")
corpus = root / "fuzz" / "corpus"
CAP = 16 * 1024


def files(base, skip=()):
    for path in sorted(base.rglob("*")):
        if path.is_file() and path.name not in skip and "expected" not in path.name:
            yield path


def head(path):
    data = path.read_bytes()
    if path.parent.name == "orders-api-incident":
        data = b"".join(data.splitlines(keepends=True)[:40])
    return data[:CAP]


def put(target, name, data):
    folder = corpus / target
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha1(data).hexdigest()[:10]
    (folder / f"seed-{name}-{digest}").write_bytes(data)


samples = [p for p in files(real, skip=("PROVENANCE.md",)) if "format_strings" not in p.parts]
fixtures = [p for p in files(root / "crates/engine/tests/cases", skip=("README.md",))]
fixtures += [p for p in files(root / "crates/engine/tests/findings") if "input" in p.parts]
fixtures += [p for p in files(root / "samples/orders-api-incident") if p.suffix in (".log", ".jsonl")]
formats = list(files(real / "format_strings"))

for path in samples + fixtures:
    put("analyzer", path.stem[:40], head(path))
    # the decoders target: first byte chooses the wrapping, the rest is the decoded content
    put("decoders", f"{path.stem[:36]}-{len(path.name) % 6}", bytes([len(path.name) % 6]) + head(path))
    if "lambda" in path.name.lower() or "lambda" in str(path.parent).lower():
        put("lambda_lines", path.stem[:40], head(path))
    if "access" in path.name or path.suffix == ".jsonl":
        put("access_json", path.stem[:40], head(path))

lines = {
    "access_json": [b'{ "requestId":"a1", "ip": "203.0.113.7", "requestTime":"06/Mar/2026:09:00:03 +0000", "httpMethod":"GET", "resourcePath":"/orders/{id}", "status":"504", "protocol":"HTTP/1.1", "responseLength":"41", "responseLatency":"29012", "integrationLatency":"29001", "errorType":"INTEGRATION_TIMEOUT" }\n'],
    "access_clf": [
        b'203.0.113.7 - - [06/Mar/2026:09:00:03 +0000] "GET /orders/{id} HTTP/1.1" 504 41 a1 S4WNg_3PTpCiSjz=\n',
        b'198.51.100.2 arn:aws:iam::1:user/x alice [06/Mar/2026:09:00:04 +0000] "POST /pay HTTP/1.1" 200 12 a2 -\n',
    ],
    "access_csv": [b"203.0.113.7,-,-,06/Mar/2026:09:00:03 +0000,GET,/orders/{id},HTTP/1.1,504,41,a1,29001\n"],
    "access_xml": [b'<request id="a1"> <ip>203.0.113.7</ip> <requestTime>06/Mar/2026:09:00:03 +0000</requestTime> <httpMethod>GET</httpMethod> <resourcePath>/orders/{id}</resourcePath> <status>504</status> <protocol>HTTP/1.1</protocol> <responseLength>41</responseLength> <responseLatency>29012</responseLatency> </request>\n'],
    "access_kv": [b"requestId: a1, ip: 203.0.113.7, caller: -, user: -, requestTime: 06/Mar/2026:09:00:03 +0000, httpMethod: GET, resourcePath: /orders/{id}, status: 504, protocol: HTTP/1.1, responseLength: 41\n"],
}
for target, examples in lines.items():
    put(target, "written", b"".join(examples))
    put(target, "written-gzip", gzip.compress(b"".join(examples) * 3))

for path in formats:
    text = path.read_bytes()
    put("template", path.stem[:40], text[:CAP])
    for line in text.splitlines():
        if b"$context." in line:
            body = line.split(b"single-line: ", 1)[-1]
            put("template", path.stem[:30] + "-line", body + b"\0" + lines["access_clf"][0])
put("template", "json-with-log", lines["access_json"][0].replace(b"504", b"$context.status") + b"\0" + lines["access_json"][0])

total = sum(p.stat().st_size for p in corpus.rglob("*") if p.is_file())
print(f"corpus: {sum(1 for _ in corpus.rglob('*'))} files, {total / 1e6:.2f} MB", file=sys.stderr)
