"""Line protocol of the benchmark references kept alive between rounds (bench/harness.ts ReferenceSession).

serve(handler) reads one JSON request per line on stdin and writes handler(request) as one JSON line on
stdout, until stdin closes. The interpreter start and the imports are paid once, outside every round.
"""
import json
import sys


def serve(handler):
    for line in sys.stdin:
        if not line.strip():
            continue
        sys.stdout.write(json.dumps(handler(json.loads(line))) + "\n")
        sys.stdout.flush()
