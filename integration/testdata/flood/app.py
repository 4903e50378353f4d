# A function that prints event["mib"] MiB (default 100) without a newline,
# then one line.
import sys


def handler(event, context):
    chunk = "x" * (1 << 20)
    mib = event.get("mib", 100)
    for _ in range(mib):
        sys.stdout.write(chunk)
    sys.stdout.write("\nafter the flood\n")
    sys.stdout.flush()
    return {"printed": mib << 20}
