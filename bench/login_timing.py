#!/usr/bin/env python3
"""Login failures must take the same time order whether the email is unknown
or the password is wrong (issue 3): both verify an argon2id hash (the unknown
email against a decoy). Measures N logins of each kind against a running
deltad, alternating them, and prints median and p90 per kind.

    bench/login_timing.py http://127.0.0.1:8080 admin@delta.local [N]
"""
import http.client
import json
import statistics
import sys
import time
import urllib.parse


def login(conn, email, password):
    body = json.dumps({"email": email, "password": password})
    started = time.perf_counter()
    conn.request("POST", "/api/v2/users/login", body=body,
                 headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    payload = response.read()
    return time.perf_counter() - started, response.status, payload


def main():
    base, known_email = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    url = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    times = {"unknown email": [], "wrong password": []}
    bodies = set()
    for i in range(n):
        for kind, email in (("unknown email", f"nobody-{i}@example.com"),
                            ("wrong password", known_email)):
            seconds, status, payload = login(conn, email, "not-the-password-123")
            assert status == 401, (kind, status, payload)
            error = json.loads(payload)["error"]
            bodies.add((error["code"], error["message"]))
            times[kind].append(seconds * 1000)
    for kind, ms in times.items():
        ms.sort()
        print(f"{kind:15s} n={len(ms)} median {statistics.median(ms):6.1f} ms"
              f"  p90 {ms[int(len(ms) * 0.9) - 1]:6.1f} ms")
    print(f"distinct (code, message) answers: {len(bodies)} -> {sorted(bodies)}")


if __name__ == "__main__":
    main()
