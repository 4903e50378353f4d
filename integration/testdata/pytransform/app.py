"""A Firehose transform as users write them for AWS.

Records starting with "drop" are Dropped, "fail" ProcessingFailed, the rest
upper-cased. A record "mode:<m>" makes the whole answer misbehave, to test
how firehose-local checks the function's response.
"""
import base64
import os
import time


def handler(event, context):
    mode = None
    for r in event["records"]:
        data = base64.b64decode(r["data"])
        if data.startswith(b"mode:"):
            mode = data[5:].strip().decode()
    if mode == "raise":
        raise ValueError("transform exploded")
    if mode == "sleep":
        time.sleep(60)
    if mode == "lookalike":
        raise RuntimeError("2026-01-01T00:00:00.000Z abc Task timed out after 3.00 seconds")
    if mode == "count":
        with open(os.environ["COUNT_FILE"], "a") as f:
            f.write("x")
        raise RuntimeError("counted failure")
    if mode == "nonjson":
        return "not a records object"
    if mode == "oversize":
        return {"records": [], "pad": "x" * (7 * 1024 * 1024)}
    out = []
    for i, r in enumerate(event["records"]):
        data = base64.b64decode(r["data"])
        if mode == "missing" and i == 0:
            continue
        rec = {"recordId": r["recordId"], "result": "Ok",
               "data": base64.b64encode(data.upper()).decode()}
        if data.startswith(b"drop"):
            rec["result"] = "Dropped"
        elif data.startswith(b"fail"):
            rec["result"] = "ProcessingFailed"
        if mode == "badb64":
            rec["data"] = "!!!not base64"
        if mode == "badresult":
            rec["result"] = "Maybe"
        out.append(rec)
        if mode == "duplicate":
            out.append(dict(rec))
    if mode == "extra":
        out.append({"recordId": "not-a-real-id", "result": "Ok", "data": ""})
    print(f"transformed {len(out)} records for {context.function_name}")
    return {"records": out}
